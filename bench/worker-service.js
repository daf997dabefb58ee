// Our service as the side-by-side bench drives it, inside bench/worker.js: src/'s own app (what
// src/index.ts serves: `createApp().fetch`) behind the counting bindings of worker-probe.js, plus
// bench-only routes under /bench/:
//
// - GET /bench/floor: a bare Hono route, the stack's floor (the peer's `GET /health` is the same).
// - GET /bench/mw, /bench/auth: a second instance of the app with two trivial routes, one behind
//   the global middleware only, one behind requireAuth too: the steps from the floor to me/.
// - GET /bench/hash: the password hash alone (src/'s PasswordHasher, as login/ uses it), in-worker.
// - GET /bench/parts: in-worker timings of the pieces of a me/ request.
// - any request with `x-bench-probe: {"d1DelayMs":..,"doDelayMs":..}`: counted (worker-probe.js).
// - any request with `x-bench-scrypt: cheap`: served with scrypt at ln=1,r=1,p=1 (own env object,
//   so its own parsed configuration), to time a login without its hash.
// - any request with `x-bench-quiet: 1`: console.log muted while it is served (the request log line).
// - any request with `x-bench-hashing: inline | same-process | other-process`: passwords hashed in
//   this isolate (no HASHER binding), by the password-hashing Worker in this wrangler dev (the
//   default, as `npm start` runs it), or by the one in its own wrangler dev (HASHER_APART).
// - any request with `x-bench-hasher: native`: served with PASSWORD_HASHER=native.
import { scrypt as nodeScrypt } from 'node:crypto';
import { Hono } from 'hono';
import { findUserByEmail, toPublicUser } from '../src/accounts/users';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { PasswordHasher } from '../src/credentials/password-hasher';
import { openDatabase } from '../src/db/client';
import { findLiveSession, livenessAt } from '../src/db/live-session';
import { parseUserAgent, readClientInfo } from '../src/lib/client-info';
import { accessLog } from '../src/middleware/access-log';
import { clientInfo } from '../src/middleware/client-info';
import { configuration } from '../src/middleware/configuration';
import { noStore } from '../src/middleware/no-store';
import { requestId } from '../src/middleware/request-id';
import { requireAuth } from '../src/middleware/require-auth';
import { openSession } from '../src/sessions/store';
import { signAccessToken, verifyAccessToken } from '../src/tokens/access-token';
import { probedEnv, probeRequest } from './worker-probe.js';

const BINDINGS = { d1: ['DB'], durableObjects: ['GUARD'] };
/** The cost of the cheap variant: one block, two iterations (the format's minimum). */
const CHEAP_SCRYPT = { SCRYPT_LOG_N: '1', SCRYPT_R: '1', SCRYPT_P: '1' };

const app = createApp();
const staircase = createApp();
staircase.get('/bench/mw', (c) => c.json({ ok: true }));
staircase.get('/bench/auth', requireAuth(), (c) => c.json({ ok: true }));
const floor = new Hono().get('/bench/floor', (c) => c.json({ ok: true, service: 'auth-service' }));

/**
 * The environment a request is served with: variants of the worker's env by header, each one object
 * per (env, variant) so that the service's per-env caches (configuration, hashers) keep working.
 */
const variants = new WeakMap();
function variantEnv(env, request) {
  const cheap = request.headers.get('x-bench-scrypt') === 'cheap';
  const hasher = request.headers.get('x-bench-hasher') === 'native' ? 'native' : '';
  const hashing = request.headers.get('x-bench-hashing') ?? 'same-process';
  const key = `${cheap}|${hasher}|${hashing}`;
  let perEnv = variants.get(env);
  if (!perEnv) {
    perEnv = new Map();
    variants.set(env, perEnv);
  }
  let result = perEnv.get(key);
  if (!result) {
    result = { ...env, ...(cheap ? CHEAP_SCRYPT : {}), ...(hasher ? { PASSWORD_HASHER: hasher } : {}) };
    if (hashing === 'inline') delete result.HASHER;
    if (hashing === 'other-process') result.HASHER = env.HASHER_APART;
    delete result.HASHER_APART;
    perEnv.set(key, result);
  }
  return result;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

async function sample(batch, op) {
  await tick();
  const start = performance.now();
  for (let i = 0; i < batch; i++) await op(i);
  await tick();
  return (performance.now() - start) / batch;
}

async function series(samples, batch, op) {
  const times = [];
  for (let i = 0; i < samples; i++) times.push(await sample(batch, op));
  return times;
}

/** mulberry32, as bench/lib/interleave.mjs (which runs in Node, not here). */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (url, name, fallback) => Number.parseInt(url.searchParams.get(name) ?? '', 10) || fallback;

/**
 * Serves `work` with console.log muted, including the request log line, which the service writes
 * just after its answer (a 0 ms timer): the mute is lifted by a later timer.
 */
async function quietly(work) {
  const log = console.log;
  console.log = () => {};
  try {
    return await work();
  } finally {
    setTimeout(() => {
      console.log = log;
    }, 5);
  }
}

/**
 * `n` hashes, one sample each, in this isolate: `params=service` (the configured cost) or `peer`
 * (ln=14, r=16, p=1); `impl=noble|native` (PASSWORD_HASHER).
 */
async function timeHash(url, env) {
  const config = loadConfig(env);
  const impl = url.searchParams.get('impl') === 'native' ? 'native' : 'noble';
  const params = url.searchParams.get('params') === 'peer' ? { logN: 14, r: 16, p: 1 } : config.scrypt;
  const hasher = new PasswordHasher(params, impl);
  const times = await series(int(url, 'n', 1), 1, () => hasher.hash('Bench-Passw0rd!'));
  return { params: url.searchParams.get('params') ?? 'service', impl, scrypt: config.scrypt, times };
}

/** The SQL, parameters and D1 method drizzle uses for `work` (run against a recording stand-in). */
async function capturedQuery(work) {
  let captured = null;
  await work(
    standIn((sql, params, method) => {
      captured ??= { sql, params, method };
    }),
  );
  if (!captured) throw new Error('no query captured');
  return captured;
}

/**
 * A drizzle database over a stand-in binding that answers every query at once with `rawRows`
 * (for `raw()`; nothing for the others), telling `onQuery` what it was asked: drizzle's own work
 * (building the SQL, mapping the row) without any I/O.
 */
function standIn(onQuery = () => {}, rawRows = []) {
  const statement = (sql, params = []) => {
    const answer = (method, result) => async () => {
      onQuery(sql, params, method);
      return result;
    };
    return {
      bind: (...bound) => statement(sql, bound),
      raw: answer('raw', rawRows),
      all: answer('all', { results: [] }),
      first: answer('first', null),
      run: answer('run', { results: [] }),
    };
  };
  return openDatabase({ prepare: (sql) => statement(sql) });
}

/**
 * Whether node:crypto's callback `scrypt` (the peer's hasher, and a candidate for ours) lets the
 * isolate serve other work while it hashes: counts 0 ms timer turns during one hash at the peer's
 * cost. A hash off the isolate's thread would see dozens; one on it sees the two bracketing turns.
 */
async function hashBlocks() {
  let hashing = true;
  let turns = 0;
  const spinner = (async () => {
    while (hashing) {
      await tick();
      turns++;
    }
  })();
  await tick();
  const start = performance.now();
  const options = { N: 2 ** 14, r: 16, p: 1, maxmem: 2 * 128 * 16 * 2 ** 14 };
  await new Promise((resolve, reject) =>
    nodeScrypt('Bench-Passw0rd!', 'bench-salt-0123456789abcdef', 64, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
  const ms = performance.now() - start;
  hashing = false;
  await spinner;
  return { ms, timerTurns: turns };
}

/**
 * In-worker timings of what a me/ request does, each batched (the clock has ms resolution):
 * the request-context pieces, the token check, the session lookup through drizzle and as the
 * same SQL on the bare binding, and whole requests through the app without HTTP.
 */
async function timeParts(url, request, env, ctx, unwrappedEnv) {
  const samples = int(url, 'samples', 12);
  const fast = int(url, 'batch', 200);
  const slow = Math.max(5, Math.round(fast / 10));
  const config = loadConfig(env);
  const db = openDatabase(env.DB);
  const scope = {
    env,
    db,
    config,
    client: readClientInfo(request),
    requestId: 'bench',
    defer: (work) => ctx.waitUntil(work.catch(() => undefined)),
  };
  const user = await findUserByEmail(db, url.searchParams.get('email') ?? 'bench@example.com');
  if (!user) throw new Error('benchmark user missing: seed first');
  const { session } = await openSession(scope, user, { rememberMe: false, amr: ['password'] });
  const { token } = await signAccessToken(
    config,
    { sub: user.id, sid: session.id, role: user.role, amr: session.amr },
    session.expiresAt,
  );
  const headers = { authorization: `Bearer ${token}`, 'user-agent': request.headers.get('user-agent') ?? '' };
  const inApp = (target, path) => () => target.fetch(new Request(`http://bench${path}`, { headers }), env, ctx);
  const userAgent = request.headers.get('user-agent');
  const logLine = () =>
    JSON.stringify({
      level: 'info',
      msg: 'request',
      request_id: crypto.randomUUID(),
      method: 'GET',
      path: '/api/auth/me/',
      status: 200,
      duration_ms: 3,
      ip: '198.51.100.7',
      user_id: user.id,
      code: undefined,
    });
  // The session lookup's own SQL and parameters, as drizzle sends them, for the bare-binding twin.
  const lookup = await capturedQuery((capturing) =>
    findLiveSession(capturing, session.id, user.id, livenessAt(config)),
  );
  const twin = () =>
    env.DB.prepare(lookup.sql)
      .bind(...lookup.params)
      [lookup.method]();
  const offline = standIn(undefined, lookup.method === 'raw' ? await twin() : []);
  const logged = JSON.parse(logLine());
  const contextOnly = new Hono()
    .use(requestId(), accessLog(), noStore(), configuration(), clientInfo())
    .get('/bench/context', (c) => c.json({ ok: true }));
  // key: [label, batch, operation]
  const parts = {
    uuid: ['crypto.randomUUID()', fast, () => crypto.randomUUID()],
    clientInfo: ['readClientInfo (ua-parser-js + geo)', fast, () => readClientInfo(request)],
    userAgent: ['parseUserAgent alone', fast, () => parseUserAgent(userAgent)],
    config: ['loadConfig (cached per env)', fast, () => loadConfig(env)],
    // A new env object per call: what the first request of an isolate pays, once.
    configCold: ['loadConfig, first call of an isolate (full zod parse)', slow, () => loadConfig({ ...env })],
    keysCold: [
      'first request of an isolate: config parse + JWK import + token check',
      slow,
      () => verifyAccessToken(loadConfig({ ...env }), token),
    ],
    logStringify: ['request log line: JSON.stringify only', fast, logLine],
    logLine: ['request log line: JSON.stringify + console.log', slow, () => console.log(logLine())],
    logObject: ['request log line: console.log(object), no JSON.stringify', slow, () => console.log(logged)],
    logMinimal: [
      'request log line, three fields only (request id, path, status): JSON.stringify + console.log',
      slow,
      () => console.log(JSON.stringify({ request_id: logged.request_id, path: logged.path, status: 200 })),
    ],
    jwt: ['verifyAccessToken (jose, Ed25519)', slow, () => verifyAccessToken(config, token)],
    publicUser: ['toPublicUser + JSON.stringify', fast, () => JSON.stringify(toPublicUser(user))],
    select1: ['D1: SELECT 1, through the counting wrapper', slow, () => env.DB.prepare('SELECT 1').first()],
    select1Bare: ['D1: SELECT 1, bare binding', slow, () => unwrappedEnv.DB.prepare('SELECT 1').first()],
    lookupSql: ['D1: session + user join, the same SQL without drizzle', slow, twin],
    lookup: [
      'D1: findLiveSession (drizzle)',
      slow,
      () => findLiveSession(scope.db, session.id, user.id, livenessAt(config)),
    ],
    lookupCpu: [
      'findLiveSession, drizzle’s CPU only (stand-in binding answers the same row, no I/O)',
      fast,
      () => findLiveSession(offline, session.id, user.id, livenessAt(config)),
    ],
    floor: ['app: /bench/floor (bare Hono)', slow, inApp(floor, '/bench/floor')],
    context: [
      'app: request id, log line, no-store, config, client info alone, log muted',
      slow,
      () => quietly(inApp(contextOnly, '/bench/context')),
    ],
    mwQuiet: ['app: /bench/mw (all global middleware), log muted', slow, () => quietly(inApp(staircase, '/bench/mw'))],
    mw: ['app: /bench/mw (all global middleware)', slow, inApp(staircase, '/bench/mw')],
    auth: ['app: /bench/auth (+ requireAuth)', slow, inApp(staircase, '/bench/auth')],
    meQuiet: ['app: GET me/, log muted', slow, () => quietly(inApp(app, '/api/auth/me/'))],
    me: ['app: GET me/', slow, inApp(app, '/api/auth/me/')],
  };
  const names = Object.keys(parts);
  const out = Object.fromEntries(
    names.map((name) => [name, { label: parts[name][0], batch: parts[name][1], times: [] }]),
  );
  for (const name of names) await parts[name][2](); // warm-up
  // Interleaved like the HTTP series: each round times one batch of every part, in a fresh random
  // order, so that the machine's ups and downs (and any after-effect of the part before) fall on
  // all parts alike.
  const next = seededRandom(19);
  for (let round = 0; round < samples; round++) {
    const order = names.map((name) => [next(), name]).sort((a, b) => a[0] - b[0]);
    for (const [, name] of order) {
      const [, batch, op] = parts[name];
      out[name].times.push(await sample(batch, op));
    }
  }
  return out;
}

/** Serves a request to the bench worker that is meant for the service (or its /bench/ routes). */
export async function serveService(request, env, ctx) {
  const url = new URL(request.url);
  const serviceEnv = probedEnv(variantEnv(env, request), BINDINGS);
  if (url.pathname === '/bench/hash') return Response.json(await timeHash(url, serviceEnv));
  if (url.pathname === '/bench/hash-blocks') return Response.json(await hashBlocks());
  if (url.pathname === '/bench/parts') return Response.json(await timeParts(url, request, serviceEnv, ctx, env));
  const target = url.pathname === '/bench/floor' ? floor : url.pathname.startsWith('/bench/') ? staircase : app;
  const serve = (req, context) => target.fetch(req, serviceEnv, context);
  const probe = request.headers.get('x-bench-probe');
  const run = () => (probe ? probeRequest(serve, request, ctx, JSON.parse(probe)) : serve(request, ctx));
  return request.headers.get('x-bench-quiet') ? quietly(run) : run();
}
