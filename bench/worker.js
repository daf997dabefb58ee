// Micro-benchmark worker: runs the service's own code paths (src/, imported read-only) inside
// workerd and times them from inside one request. Started by bench/run.mjs with
// bench/wrangler.toml on its own port; never deployed. It also serves the service itself (paths
// under /api/, /.well-known/ and /bench/: see worker-service.js) for the side-by-side bench.
//
// Plain JavaScript on purpose: tsconfig.node.json type-checks bench/ with Node's types only, where
// the worker types that src/ needs (D1Database, DurableObject...) do not exist.
//
// Timing: workerd may freeze Date.now()/performance.now() between I/O events (it does so in
// production as a Spectre mitigation), so every sample is bracketed by `await tick()` (a 0 ms
// timer, which is I/O to the runtime): the clock is read right after an event, before and after the
// work. The clock has millisecond resolution, so sub-millisecond work is timed in batches and
// divided by the batch size. `GET /tick` measures the bracket itself (the bias per sample).

import { scryptSync as nodeScryptSync } from 'node:crypto';
import { scrypt as nobleScrypt, scryptAsync as nobleScryptAsync } from '@noble/hashes/scrypt.js';
import { findUserByEmail } from '../src/accounts/users';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/client';
import { findLiveSession, livenessAt } from '../src/db/live-session';
import { consumeRateLimit, reserveCredentialCheck, settleCredentialCheck, underLockout } from '../src/guard/guard';
import { readClientInfo } from '../src/lib/client-info';
import { openSession } from '../src/sessions/store';
import { checkCredentials } from '../src/sign-in/password';
import { signAccessToken, verifyAccessToken } from '../src/tokens/access-token';

import { serveService } from './worker-service.js';

export { GuardCounter } from '../src/guard/counter-object';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Milliseconds per operation over one batch of `batch` sequential runs of `op`. */
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

/** The Scope that src/ services expect, built by hand from the worker's bindings. */
function scopeFor(request, env, ctx) {
  return {
    env,
    db: openDatabase(env.DB),
    config: loadConfig(env),
    client: readClientInfo(request),
    requestId: 'bench',
    defer: (work) => ctx.waitUntil(work.catch(() => undefined)),
  };
}

function scryptImpl(name, { logN, r, p }) {
  const N = 2 ** logN;
  const maxmem = 2 * 128 * r * N;
  const noble = { N, r, p, dkLen: 32, maxmem };
  switch (name) {
    case 'noble':
      return (password, salt) => nobleScrypt(password, salt, noble);
    case 'noble-async':
      return (password, salt) => nobleScryptAsync(password, salt, noble);
    // scryptAsync without its event-loop yields (it yields every `asyncTick` = 10 ms of work by
    // default): isolates what the yields cost.
    case 'noble-async-noyield':
      return (password, salt) => nobleScryptAsync(password, salt, { ...noble, asyncTick: 2 ** 30 });
    case 'node':
      return (password, salt) => new Uint8Array(nodeScryptSync(password, salt, 32, { N, r, p, maxmem }));
    default:
      throw new Error(`unknown impl ${name}`);
  }
}

const hex = (bytes) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
const int = (url, name, fallback) => Number.parseInt(url.searchParams.get(name) ?? '', 10) || fallback;

const routes = {
  '/health': () => ({ ok: true }),
  '/noop': () => ({}),

  /** The timing bracket alone: what every sample carries on top of the work. */
  '/tick': async (url) => ({
    times: await series(int(url, 'n', 20), 1, async () => {}),
    // @noble/hashes yields with scheduler.yield() when the runtime has it, else setTimeout(0).
    schedulerYield: typeof globalThis.scheduler?.yield === 'function',
  }),

  /** `n` hashes at the given cost with one implementation, one sample each. */
  '/scrypt': async (url) => {
    const params = { logN: int(url, 'ln', 14), r: int(url, 'r', 8), p: int(url, 'p', 5) };
    const hash = scryptImpl(url.searchParams.get('impl') ?? 'noble', params);
    const salt = crypto.getRandomValues(new Uint8Array(16));
    return { params, times: await series(int(url, 'n', 5), 1, () => hash('Bench-Passw0rd!', salt)) };
  },

  /**
   * scryptAsync's loops call Date.now() once per iteration to decide when to yield: 2·N·p calls per
   * hash (163,840 at the default cost). This times that many calls alone.
   */
  '/clock': async (url) => {
    const calls = 2 * 2 ** int(url, 'ln', 14) * int(url, 'p', 5);
    let sink = 0;
    const times = await series(int(url, 'n', 5), 1, () => {
      for (let i = 0; i < calls; i++) sink += Date.now() & 1;
    });
    return { calls, times, sink };
  },

  /** Sanity check: both implementations derive the same key (so they do the same work). */
  '/scrypt-agree': async () => {
    const params = { logN: 14, r: 8, p: 5 };
    const salt = new TextEncoder().encode('bench-salt-16byt');
    const keys = await Promise.all(['noble', 'node'].map((impl) => scryptImpl(impl, params)('pw', salt)));
    return { agree: hex(keys[0]) === hex(keys[1]) };
  },

  /** The lockout Durable Object alone: reserve + settle one credential check (two RPCs). */
  '/guard': async (url, scope) => {
    const email = 'guard-roundtrip@example.com';
    const pair = async () => {
      await reserveCredentialCheck(scope, email);
      await settleCredentialCheck(scope, email, 'success');
    };
    return { times: await series(int(url, 'samples', 15), int(url, 'batch', 20), pair) };
  },

  /** One rate-limit hit (one RPC), as every login/ and refresh/ pays before anything else. */
  '/rate': async (url, scope) => ({
    times: await series(int(url, 'samples', 15), int(url, 'batch', 20), () =>
      consumeRateLimit(scope, 'loginPerIp', 'bench-rate-subject'),
    ),
  }),

  /**
   * The password step of a login with and without the lockout around it: `checkCredentials` (user
   * lookup + one scrypt) versus `underLockout(checkCredentials)` (+ reserve and settle RPCs to the
   * Durable Object). The check inside the guarded run is timed too (`inner`): guarded − inner is the
   * lockout's own cost on that very login, free of the hash's run-to-run noise (tens of ms).
   * Pairs alternate their order (ABBA) so that order effects fall on both sides alike.
   */
  '/login': async (url, scope) => {
    const email = url.searchParams.get('email') ?? 'bench@example.com';
    const password = url.searchParams.get('password') ?? 'Bench-Passw0rd!';
    const [bare, guarded, inner] = [[], [], []];
    let ok = true;
    const timedCheck = async (into) => {
      let result;
      into.push(await sample(1, async () => (result = await checkCredentials(scope, email, password))));
      ok &&= result.ok;
      return result;
    };
    const runBare = () => timedCheck(bare);
    const runGuarded = async () =>
      guarded.push(await sample(1, () => underLockout(scope, email, () => timedCheck(inner))));
    for (let i = 0; i < int(url, 'n', 8); i++) {
      for (const step of i % 2 === 0 ? [runBare, runGuarded] : [runGuarded, runBare]) await step();
    }
    return { ok, bare, guarded, inner };
  },

  /** `GET me/` work without HTTP: verify the access token, then load the live session and user. */
  '/me': async (url, scope) => {
    const user = await findUserByEmail(scope.db, url.searchParams.get('email') ?? 'bench@example.com');
    if (!user) throw new Error('benchmark user missing: seed first');
    const { session } = await openSession(scope, user, { rememberMe: false, amr: ['password'] });
    const { token } = await signAccessToken(
      scope.config,
      { sub: user.id, sid: session.id, role: user.role, amr: session.amr },
      session.expiresAt,
    );
    const samples = int(url, 'samples', 15);
    const batch = int(url, 'batch', 20);
    const verify = async () => {
      const check = await verifyAccessToken(scope.config, token);
      if (!check.ok) throw new Error(`token refused: ${check.reason}`);
      return check.claims;
    };
    const lookup = async () => {
      if (!(await findLiveSession(scope.db, session.id, user.id, livenessAt(scope.config))))
        throw new Error('session not live');
    };
    return {
      jwt: await series(samples, batch, verify),
      session: await series(samples, batch, lookup),
      total: await series(samples, batch, async () => {
        const claims = await verify();
        if (!(await findLiveSession(scope.db, claims.sid, claims.sub, livenessAt(scope.config))))
          throw new Error('session not live');
      }),
    };
  },
};

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (/^\/(api|bench|\.well-known)\//.test(url.pathname)) return serveService(request, env, ctx);
    const route = routes[url.pathname];
    if (!route) return Response.json({ error: 'not found' }, { status: 404 });
    try {
      // Only routes that take a scope need the service's configuration (and its secrets).
      const scope = route.length > 1 ? scopeFor(request, env, ctx) : undefined;
      return Response.json(await route(url, scope));
    } catch (error) {
      return Response.json({ error: String(error?.stack ?? error) }, { status: 500 });
    }
  },
};
