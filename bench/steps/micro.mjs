// Micro-benchmarks through bench/worker.js: scrypt (@noble/hashes vs node:crypto) inside workerd,
// the lockout Durable Object round trip, and the work of GET me/ without HTTP.
import { call } from '../lib/load.mjs';
import { median } from '../lib/stats.mjs';

async function get(url, path) {
  const { status, data } = await call(url + path);
  if (status !== 200) throw new Error(`${path}: ${status} ${JSON.stringify(data).slice(0, 500)}`);
  return data;
}

/**
 * Cross-check from outside: one hash per request, timed by the client, minus the median of an
 * empty request to the same worker. Interleaved so that both see the same machine noise.
 */
async function clientSideScrypt(url, impls, rounds) {
  const times = Object.fromEntries([...impls, 'noop'].map((name) => [name, []]));
  const timeRequest = async (path) => {
    const start = performance.now();
    await get(url, path);
    return performance.now() - start;
  };
  for (let round = 0; round < rounds; round++) {
    times.noop.push(await timeRequest('/noop'));
    for (const impl of impls) times[impl].push(await timeRequest(`/scrypt?impl=${impl}&n=1`));
  }
  const baseline = median(times.noop);
  return {
    baseline,
    perImpl: Object.fromEntries(impls.map((impl) => [impl, median(times[impl]) - baseline])),
  };
}

export async function runMicro({ url, hashes, log }) {
  const impls = ['noble', 'noble-async', 'noble-async-noyield', 'node'];
  const results = {};
  log('scrypt: implementations agree?');
  results.agree = (await get(url, '/scrypt-agree')).agree;
  const tick = await get(url, '/tick?n=30');
  results.tick = tick.times;
  results.schedulerYield = tick.schedulerYield;
  results.scrypt = {};
  for (const impl of impls) {
    log(`scrypt ${impl} x${hashes} (in-worker)`);
    await get(url, `/scrypt?impl=${impl}&n=1`); // warm-up (compilation, first allocation)
    results.scrypt[impl] = (await get(url, `/scrypt?impl=${impl}&n=${hashes}`)).times;
  }
  results.clock = await get(url, '/clock?n=5');
  log('scrypt (client-side cross-check)');
  results.scryptClient = await clientSideScrypt(
    url,
    ['noble', 'noble-async', 'node'],
    Math.max(3, Math.ceil(hashes / 2)),
  );

  log('lockout Durable Object round trips');
  await get(url, '/guard?samples=2&batch=5'); // warm-up: creates the object
  results.guard = (await get(url, '/guard?samples=15&batch=20')).times;
  await get(url, '/rate?samples=2&batch=5');
  results.rate = (await get(url, '/rate?samples=15&batch=20')).times;

  log(`login password step with/without lockout x${hashes}`);
  results.login = await get(url, `/login?n=${hashes}`);

  log('me/ work in-worker');
  results.me = await get(url, '/me?samples=15&batch=20');
  return results;
}
