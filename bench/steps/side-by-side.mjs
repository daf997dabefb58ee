// Our service and the peer, interleaved in one run: every round sends one request of each series
// in a random order (bench/lib/interleave.mjs), one request in flight at a time.
//
// Reads: each stack's floor (a bare route), the steps from our floor to me/ (global middleware,
// requireAuth, me/ with its log line muted), me/ and the peer's get-session.
// Logins: login/ and sign-in/email with the right password, with an unknown email, and each one's
// password hash alone (in-worker), plus our login/ with a minimal-cost hash (no scrypt to speak of:
// the login's own work, measured directly rather than by subtraction), with PASSWORD_HASHER=native
// (and that hash alone), and hashed in the serving isolate instead of the password-hashing Worker.
import { interleave, parseJson, timed } from '../lib/interleave.mjs';
import { load } from '../lib/load.mjs';
import { BENCH_EMAIL, BENCH_PASSWORD, CHEAP_EMAIL } from '../seed.mjs';
import { PEER_EMAIL, peerPost, peerSignIn } from './peer.mjs';

const API = '/api/auth';
/** The SPA's origin (APP_URL, listed in CORS_ORIGINS): what a browser's POST carries. */
export const SPA_ORIGIN = 'http://localhost:3000';

export async function ourLogin(url, email, { headers = {} } = {}) {
  return timed(`${url}${API}/login/`, {
    method: 'POST',
    json: { email, password: BENCH_PASSWORD },
    headers: { origin: SPA_ORIGIN, ...headers },
  });
}

/** Signs in on our service; returns the login body (tokens) or throws. */
export async function ourTokens(url, email = BENCH_EMAIL, headers = {}) {
  const response = await ourLogin(url, email, { headers });
  if (response.status !== 200) throw new Error(`login ${email}: ${response.status} ${response.text.slice(0, 300)}`);
  return parseJson(response.text);
}

const expect =
  (status, request, inWorker) =>
  async (...args) => {
    const response = await request(...args);
    const ok = response.status === status;
    return {
      ms: response.ms,
      status: response.status,
      ok,
      inWorkerMs: ok && inWorker ? inWorker(parseJson(response.text)) : undefined,
    };
  };

const hashTime = (body) => body?.times?.[0];
/** A fresh unknown email per request: the lockout counts failures per email, even unknown ones. */
const unknownEmail = (tag, round) => `nobody-${tag}-${Date.now().toString(36)}-${round}@example.com`;

export async function runSideBySide({ ours, peer, readRounds, loginRounds, log }) {
  const { access_token: token } = await ourTokens(ours);
  const bearer = { authorization: `Bearer ${token}` };
  const get =
    (base, path, headers = {}) =>
    () =>
      timed(`${base}${path}`, { headers });
  const reads = [
    { key: 'ours.floor', run: expect(200, get(ours, '/bench/floor')) },
    { key: 'ours.mw', run: expect(200, get(ours, '/bench/mw', bearer)) },
    { key: 'ours.auth', run: expect(200, get(ours, '/bench/auth', bearer)) },
    { key: 'ours.me', run: expect(200, get(ours, `${API}/me/`, bearer)) },
    { key: 'ours.meQuiet', run: expect(200, get(ours, `${API}/me/`, { ...bearer, 'x-bench-quiet': '1' })) },
  ];
  const cheap = { 'x-bench-scrypt': 'cheap' };
  const logins = [
    { key: 'ours.login', run: expect(200, () => ourLogin(ours, BENCH_EMAIL)) },
    { key: 'ours.unknown', run: expect(400, (round) => ourLogin(ours, unknownEmail('ours', round))) },
    { key: 'ours.loginCheap', run: expect(200, () => ourLogin(ours, CHEAP_EMAIL, { headers: cheap })) },
    {
      key: 'ours.unknownCheap',
      run: expect(400, (round) => ourLogin(ours, unknownEmail('cheap', round), { headers: cheap })),
    },
    { key: 'ours.hash', run: expect(200, get(ours, '/bench/hash?n=1'), hashTime) },
    { key: 'ours.hashAtPeerCost', run: expect(200, get(ours, '/bench/hash?n=1&params=peer'), hashTime) },
    // PASSWORD_HASHER=native: node:crypto's scrypt, same stored strings (the same user signs in).
    {
      key: 'ours.loginNative',
      run: expect(200, () => ourLogin(ours, BENCH_EMAIL, { headers: { 'x-bench-hasher': 'native' } })),
    },
    { key: 'ours.hashNative', run: expect(200, get(ours, '/bench/hash?n=1&impl=native'), hashTime) },
    // Hashed in the serving isolate (no HASHER binding), as before the password-hashing Worker.
    {
      key: 'ours.loginInline',
      run: expect(200, () => ourLogin(ours, BENCH_EMAIL, { headers: { 'x-bench-hashing': 'inline' } })),
    },
  ];
  let peerCookie = {};
  if (peer) {
    const { cookie } = await peerSignIn(peer);
    peerCookie = { cookie };
    reads.push(
      { key: 'peer.floor', run: expect(200, get(peer, '/health')) },
      { key: 'peer.session', run: expect(200, get(peer, `${API}/get-session`, { cookie })) },
    );
    const signIn = (email) => peerPost(peer, `${API}/sign-in/email`, { email, password: BENCH_PASSWORD });
    logins.push(
      { key: 'peer.login', run: expect(200, () => signIn(PEER_EMAIL)) },
      { key: 'peer.unknown', run: expect(401, (round) => signIn(unknownEmail('peer', round))) },
      { key: 'peer.hash', run: expect(200, get(peer, '/bench/hash?n=1'), hashTime) },
    );
  }
  // Warm-up: every series twice, untimed (first requests compile code and open connections).
  await interleave({ series: [...reads, ...logins], rounds: 2 });
  log(`side by side: reads, ${readRounds} interleaved rounds of ${reads.length}`);
  const readResults = await interleave({ series: reads, rounds: readRounds, seed: 1 });
  log(`side by side: logins, ${loginRounds} interleaved rounds of ${logins.length}`);
  const loginResults = await interleave({ series: logins, rounds: loginRounds, seed: 2, settleMs: 25 });
  // Cross-check with another client and no interleaving: autocannon, one connection, back to back
  // (as the HTTP phase measures the service started from src/index.ts).
  const backToBack = {};
  const sequential = [
    ['ours.floor', ours, '/bench/floor', {}],
    ['peer.floor', peer, '/health', {}],
    ['ours.me', ours, `${API}/me/`, bearer],
    ['peer.session', peer, `${API}/get-session`, peerCookie],
  ].filter(([, base]) => base);
  log('side by side: back to back (autocannon, 1 connection)');
  for (const [key, base, path, headers] of sequential) {
    backToBack[key] = await load({ url: base, path, headers, connections: 1, duration: 3 });
  }
  const blocks = await timed(`${ours}/bench/hash-blocks`);
  return {
    readRounds,
    loginRounds,
    series: { ...readResults, ...loginResults },
    peer: Boolean(peer),
    backToBack,
    nativeHashBlocks: parseJson(blocks.text),
  };
}

/** In-worker timings of the pieces of me/ (bench/worker-service.js, GET /bench/parts). */
export async function runParts({ ours, samples = 12, batch = 200 }) {
  const response = await timed(`${ours}/bench/parts?samples=${samples}&batch=${batch}`, { timeoutMs: 180_000 });
  if (response.status !== 200) throw new Error(`/bench/parts: ${response.status} ${response.text.slice(0, 500)}`);
  return parseJson(response.text);
}
