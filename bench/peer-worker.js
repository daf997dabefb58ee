// The peer's bench entry: copied by bench/steps/peer.mjs into the peer's copy (bench/.tmp/peer/,
// next to its src/) as bench-entry.js, with worker-probe.js beside it, and started with
// `wrangler dev bench-entry.js`. It serves the peer's own app unchanged (its `GET /health`, and
// better-auth under /api/auth/*) behind the same counting D1 wrapper as our service, and adds:
//
// - GET /bench/hash: better-auth's own `hashPassword` (the function its sign-up and sign-in call,
//   through `ctx.context.password`), timed in-worker as our /bench/hash times ours.
// - requests with `x-bench-probe`: counted, as in bench/worker-service.js.
import { hashPassword } from 'better-auth/crypto';
import app from './src/index';
import { probedEnv, probeRequest } from './worker-probe.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

async function timeHash(url) {
  const times = [];
  const n = Number.parseInt(url.searchParams.get('n') ?? '', 10) || 1;
  let stored = '';
  for (let i = 0; i < n; i++) {
    await tick();
    const start = performance.now();
    stored = await hashPassword('Bench-Passw0rd!');
    await tick();
    times.push(performance.now() - start);
  }
  // `salt:key` in hex: 16-byte salt, 64-byte key (N=16384, r=16, p=1).
  const [salt = '', key = ''] = stored.split(':');
  return { times, saltHexLength: salt.length, keyHexLength: key.length };
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/bench/hash') return Response.json(await timeHash(url));
    // The peer builds its better-auth instance from the first env it sees and keeps it for the
    // isolate, so every request gets the same (counting) env.
    const peerEnv = probedEnv(env, { d1: ['DB'] });
    const serve = (req, context) => app.fetch(req, peerEnv, context);
    const probe = request.headers.get('x-bench-probe');
    return probe ? probeRequest(serve, request, ctx, JSON.parse(probe)) : serve(request, ctx);
  },
};
