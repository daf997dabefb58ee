// Read latency under a mixed load, with and without concurrent logins, in one run.
//
// Open loop: reads are sent at a fixed rate whatever the answers do (a closed loop would slow down
// exactly when the service stalls, and hide the stall from the figures), over up to `clients`
// keep-alive connections at once (a read that finds them all busy waits for one, and is counted as
// late). The run alternates slices without logins and with them (quiet, A, quiet, B, quiet, C, ...,
// one busy condition after another: where the service hashes, for ours): each condition sees the
// same drift of the machine. During busy slices, logins with the right password and the real
// scrypt cost arrive at `loginRate` per second; none starts in a slice's last half second, and the
// next slice starts only once nothing is in flight, so that quiet slices never see a login.
import { parseJson, timed } from '../lib/interleave.mjs';
import { percentile } from '../lib/stats.mjs';
import { BENCH_PASSWORD, CHEAP_EMAIL } from '../seed.mjs';
import { PEER_EMAIL, peerPost, peerSignIn } from './peer.mjs';
import { ourLogin, ourTokens, SPA_ORIGIN } from './side-by-side.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `reads`: [{ key, weight, send() → Promise<{ ms, status, ok }> }]; `busy`: [{ key, login() }], the
 * conditions with logins. Returns, per condition ('quiet' and each busy key) and per read key:
 * count, p50, p99, failures; plus each busy condition's logins.
 */
export async function mixedLoad({ reads, busy, readRate, loginRate, clients, slices, sliceSeconds }) {
  const pattern = reads.flatMap((read) => Array(read.weight).fill(read));
  const samples = Object.fromEntries(['quiet', ...busy.map((b) => b.key)].map((key) => [key, {}]));
  const loginTimes = Object.fromEntries(busy.map((b) => [b.key, []]));
  const counters = { late: 0, loginFailures: 0 };
  let inFlight = 0;
  const waiting = [];
  const acquire = async () => {
    if (inFlight < clients) {
      inFlight++;
      return false;
    }
    await new Promise((resolve) => waiting.push(resolve));
    return true;
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };
  const pending = new Set();
  const track = (promise) => {
    pending.add(promise);
    promise.finally(() => pending.delete(promise));
  };
  let readIndex = 0;
  for (let slice = 0; slice < slices; slice++) {
    const condition = slice % 2 === 0 ? null : busy[((slice - 1) / 2) % busy.length];
    const key = condition?.key ?? 'quiet';
    const started = performance.now();
    const end = started + sliceSeconds * 1000;
    let nextRead = started;
    let nextLogin = started + 250;
    while (performance.now() < end) {
      const now = performance.now();
      if (now >= nextRead) {
        const read = pattern[readIndex++ % pattern.length];
        nextRead += 1000 / readRate;
        track(
          (async () => {
            if (await acquire()) counters.late++;
            try {
              const outcome = await read.send();
              samples[key][read.key] ??= { times: [], failures: {} };
              const bucket = samples[key][read.key];
              if (outcome.ok) bucket.times.push(outcome.ms);
              else bucket.failures[outcome.status] = (bucket.failures[outcome.status] ?? 0) + 1;
            } finally {
              release();
            }
          })(),
        );
      }
      if (condition && now >= nextLogin && now < end - 500) {
        nextLogin += 1000 / loginRate;
        track(
          (async () => {
            const outcome = await condition.login();
            if (outcome.ok) loginTimes[key].push(outcome.ms);
            else counters.loginFailures++;
          })(),
        );
      }
      const wake = Math.min(nextRead, condition ? nextLogin : Number.POSITIVE_INFINITY, end);
      await sleep(Math.max(0, wake - performance.now()));
    }
    while (pending.size) await Promise.allSettled([...pending]);
    await sleep(300);
  }
  const summary = (bucket) => ({
    count: bucket.times.length,
    p50: percentile(bucket.times, 50),
    p99: percentile(bucket.times, 99),
    max: Math.max(...bucket.times),
    failures: bucket.failures,
  });
  const summarised = (bySample) =>
    Object.fromEntries(Object.entries(bySample).map(([read, bucket]) => [read, summary(bucket)]));
  return {
    settings: { readRate, loginRate, clients, slices, sliceSeconds, busy: busy.map((b) => b.key) },
    quiet: summarised(samples.quiet),
    busy: Object.fromEntries(
      busy.map((b) => [
        b.key,
        {
          reads: summarised(samples[b.key]),
          login: {
            count: loginTimes[b.key].length,
            p50: percentile(loginTimes[b.key], 50),
            p99: percentile(loginTimes[b.key], 99),
          },
        },
      ]),
    ),
    ...counters,
  };
}

/** Where our logins hash in each busy condition (bench/worker-service.js, `x-bench-hashing`). */
export const HASHING_PLACES = {
  inline: 'in the serving isolate (no HASHER binding): the design before',
  'same-process': 'password-hashing Worker in the same wrangler dev (as `npm start` runs it)',
  'other-process': 'password-hashing Worker in a wrangler dev of its own (another process and thread)',
};

const API = '/api/auth';
const seededEmail = (n) => `user${String(n).padStart(6, '0')}@example.com`;

/**
 * Our service: an SPA's reads (me/ half of them, then login-history/, login-statistics/ and
 * refresh/ rotating its own chains) and, in B slices, logins of seeded users at the real cost.
 */
export async function runOurMixed({ url, settings, users }) {
  const cheap = { 'x-bench-scrypt': 'cheap' };
  const first = await ourTokens(url, CHEAP_EMAIL, cheap);
  const bearer = { authorization: `Bearer ${first.access_token}` };
  const pool = [first.refresh_token];
  while (pool.length < settings.clients) pool.push((await ourTokens(url, CHEAP_EMAIL, cheap)).refresh_token);
  const get = (path) => async () => {
    const response = await timed(`${url}${path}`, { headers: bearer });
    return { ms: response.ms, status: response.status, ok: response.status === 200 };
  };
  const refresh = async () => {
    const token = pool.pop();
    if (!token) return { ms: 0, status: 'no refresh token left', ok: false };
    const response = await timed(`${url}${API}/refresh/`, {
      method: 'POST',
      json: { refresh_token: token },
      headers: { origin: SPA_ORIGIN },
    });
    const next = response.status === 200 ? parseJson(response.text)?.refresh_token : null;
    if (next) pool.push(next);
    return { ms: response.ms, status: response.status, ok: Boolean(next) };
  };
  let next = 0;
  const loginHashing = (hashing) => async () => {
    next = (next % users) + 1;
    const response = await ourLogin(url, seededEmail(next), { headers: { 'x-bench-hashing': hashing } });
    return { ms: response.ms, status: response.status, ok: response.status === 200 };
  };
  return mixedLoad({
    reads: [
      { key: 'me/', weight: 5, send: get(`${API}/me/`) },
      { key: 'login-history/', weight: 2, send: get(`${API}/login-history/?limit=50`) },
      { key: 'login-statistics/', weight: 2, send: get(`${API}/login-statistics/?days=30`) },
      { key: 'refresh/', weight: 1, send: refresh },
    ],
    busy: Object.keys(HASHING_PLACES).map((hashing) => ({ key: hashing, login: loginHashing(hashing) })),
    ...settings,
    slices: settings.oursSlices,
  });
}

/** The peer: get-session reads, and sign-ins at its own (default) cost in the busy slices. */
export async function runPeerMixed({ url, settings }) {
  const { cookie } = await peerSignIn(url);
  const read = async () => {
    const response = await timed(`${url}${API}/get-session`, { headers: { cookie } });
    return { ms: response.ms, status: response.status, ok: response.status === 200 };
  };
  const login = async () => {
    const response = await peerPost(url, `${API}/sign-in/email`, { email: PEER_EMAIL, password: BENCH_PASSWORD });
    return { ms: response.ms, status: response.status, ok: response.status === 200 };
  };
  return mixedLoad({
    reads: [{ key: 'get-session', weight: 1, send: read }],
    busy: [{ key: 'logins', login }],
    ...settings,
  });
}
