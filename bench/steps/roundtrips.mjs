// D1 and Durable Object round trips per endpoint, through the counting bindings of
// bench/worker-probe.js. Each endpoint is probed three times: without delay (what it executes and
// when), with every D1 execution delayed by `delayMs`, and with every Durable Object call delayed:
// the extra answer time ÷ delay is the number of round trips the client waits for in sequence.
// Logins use the minimal-cost hash (same code path, same round trips) so that the hash's
// run-to-run noise does not blur the delay.
import { parseJson, timed } from '../lib/interleave.mjs';
import { BENCH_PASSWORD, CHEAP_EMAIL, LOCKED_EMAIL } from '../seed.mjs';
import { PEER_EMAIL, peerSignIn } from './peer.mjs';
import { ourTokens, SPA_ORIGIN } from './side-by-side.mjs';

const API = '/api/auth';

async function probe(base, path, { method = 'GET', headers = {}, json, d1DelayMs = 0, doDelayMs = 0 }) {
  const response = await timed(`${base}${path}`, {
    method,
    json,
    headers: { ...headers, 'x-bench-probe': JSON.stringify({ d1DelayMs, doDelayMs }) },
  });
  const result = parseJson(response.text);
  if (response.status !== 200 || !result?.calls) {
    throw new Error(`probe ${path}: ${response.status} ${response.text.slice(0, 300)}`);
  }
  return result;
}

function summarise(calls) {
  const d1 = calls.filter((call) => call.kind !== 'durable-object');
  return {
    d1: d1.length,
    d1BeforeAnswer: d1.filter((call) => call.beforeAnswer).length,
    batches: calls.filter((call) => call.kind === 'batch').length,
    statements: d1.reduce((sum, call) => sum + (call.kind === 'batch' ? call.sql.length : 1), 0),
    durableObject: calls.filter((call) => call.kind === 'durable-object').length,
    // As D1 reports them (bench/worker-probe.js), the request's deferred writes included.
    rowsWritten: d1.reduce((sum, call) => sum + (call.rowsWritten ?? 0), 0),
  };
}

/**
 * Probes one request (built by `request()` for each probe, since tokens rotate) and
 * returns its counts, its critical round trips and the calls of the undelayed run.
 */
async function measure(base, request, delayMs, { durableObjects = true, onResult = () => {} } = {}) {
  const send = async (delays = {}) => {
    const [path, init] = request();
    const result = await probe(base, path, { ...init, ...delays });
    onResult(result);
    return result;
  };
  // Minimum of two runs each: interference from the rest of the machine only ever adds time.
  const plain = [await send(), await send()];
  const base0 = Math.min(...plain.map((result) => result.answerMs));
  const delayed = async (delays) => Math.min((await send(delays)).answerMs, (await send(delays)).answerMs);
  const withD1 = await delayed({ d1DelayMs: delayMs });
  const withDo = durableObjects ? await delayed({ doDelayMs: delayMs }) : null;
  const first = plain[0];
  const counts = summarise(first.calls);
  // Never more sequential round trips than executions: a rounding of noise would say so otherwise.
  const sequential = (answerMs, executed) => Math.min(executed, Math.max(0, Math.round((answerMs - base0) / delayMs)));
  return {
    status: first.status,
    answerMs: base0,
    ...counts,
    criticalD1: sequential(withD1, counts.d1),
    criticalDurableObject: withDo === null ? null : sequential(withDo, counts.durableObject),
    calls: first.calls.map(({ kind, method, sql, beforeAnswer }) => ({ kind, method, sql, beforeAnswer })),
  };
}

/** The HTTP phase locks LOCKED_EMAIL (for 30 min); when it did not run, lock it here. */
async function ensureLocked(base, threshold = 5) {
  const attempt = (password) =>
    timed(`${base}${API}/login/`, {
      method: 'POST',
      json: { email: LOCKED_EMAIL, password },
      headers: { origin: SPA_ORIGIN },
    });
  if ((await attempt(BENCH_PASSWORD)).status !== 423) {
    for (let i = 0; i < threshold; i++) await attempt('Wrong-Passw0rd!');
    // This client's first refusal during the lock (recorded in history): the probes are repeats.
    await attempt(BENCH_PASSWORD);
  }
}

/** A fresh documentation address (198.18.0.0/15, benchmarking) per request: a first refusal each time. */
let nextClient = 0;
const freshClient = () => `198.18.${Math.floor(nextClient / 250) % 250}.${(nextClient++ % 250) + 1}`;

export async function runRoundTrips({ ours, peer, delayMs, log }) {
  const cheap = { 'x-bench-scrypt': 'cheap' };
  const { access_token: token, refresh_token: firstRefresh } = await ourTokens(ours, CHEAP_EMAIL, cheap);
  const bearer = { authorization: `Bearer ${token}` };
  let refreshToken = firstRefresh;
  const post = (path, json) => () => [path, { method: 'POST', json, headers: { origin: SPA_ORIGIN, ...cheap } }];
  const get = (path, headers) => () => [path, { headers }];
  let unknown = 0;
  const ourEndpoints = {
    'GET me/': get(`${API}/me/`, bearer),
    // Built when each probe is sent: the previous probe rotated the token (see onResult).
    'POST refresh/': () => [
      `${API}/refresh/`,
      { method: 'POST', json: { refresh_token: refreshToken }, headers: { origin: SPA_ORIGIN } },
    ],
    'POST login/': post(`${API}/login/`, { email: CHEAP_EMAIL, password: BENCH_PASSWORD }),
    'POST login/ (unknown email)': () =>
      post(`${API}/login/`, {
        email: `probe-unknown-${Date.now()}-${unknown++}@example.com`,
        password: BENCH_PASSWORD,
      })(),
    // At the real cost: a locked account is refused before any hash (and the cheap configuration
    // would rehash its stored hash if it were not locked).
    'POST login/ (locked account, a client’s first refusal)': () => [
      `${API}/login/`,
      {
        method: 'POST',
        json: { email: LOCKED_EMAIL, password: BENCH_PASSWORD },
        headers: { origin: SPA_ORIGIN, 'cf-connecting-ip': freshClient() },
      },
    ],
    'POST login/ (locked account, repeated)': () => [
      `${API}/login/`,
      { method: 'POST', json: { email: LOCKED_EMAIL, password: BENCH_PASSWORD }, headers: { origin: SPA_ORIGIN } },
    ],
    'GET login-history/?limit=50': get(`${API}/login-history/?limit=50`, bearer),
    'GET login-statistics/?days=30': get(`${API}/login-statistics/?days=30`, bearer),
  };
  const results = { delayMs, ours: {}, peer: {} };
  await ensureLocked(ours);
  const onResult = (result) => {
    refreshToken = parseJson(result.body)?.refresh_token ?? refreshToken;
  };
  for (const [label, request] of Object.entries(ourEndpoints)) {
    log(`round trips: ${label}`);
    results.ours[label] = await measure(ours, request, delayMs, { onResult });
  }
  if (peer) {
    const { cookie } = await peerSignIn(peer);
    const peerPost = (path, json) => () => [path, { method: 'POST', json, headers: { origin: peer } }];
    const peerEndpoints = {
      'GET get-session': get(`${API}/get-session`, { cookie }),
      'POST sign-in/email': peerPost(`${API}/sign-in/email`, { email: PEER_EMAIL, password: BENCH_PASSWORD }),
      'POST sign-in/email (unknown email)': () =>
        peerPost(`${API}/sign-in/email`, {
          email: `probe-unknown-${Date.now()}-${unknown++}@example.com`,
          password: BENCH_PASSWORD,
        })(),
    };
    for (const [label, request] of Object.entries(peerEndpoints)) {
      log(`round trips (peer): ${label}`);
      results.peer[label] = await measure(peer, request, delayMs, { durableObjects: false });
    }
  }
  return results;
}
