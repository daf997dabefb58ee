// The peer (better-auth 1.7.25 on Hono + Workers + D1 through Drizzle) in the bench: its source is
// read from BENCH_PEER_DIR (default ../shared/peers/better-auth beside the repository, read-only),
// copied into bench/.tmp/peer with our bench entry beside it, its dependencies installed there from
// the npm registry (once; again only when its package files change), its D1 migrated into its own
// state (bench/.tmp/peer-state), then started with `wrangler dev` on its own port.
//
// It runs on our wrangler (hence the same workerd, miniflare and esbuild as our service): the
// comparison is then between the two applications on one stack. Only the peer's runtime
// dependencies are installed (`--omit=dev`): its own wrangler and tooling are not used.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { toolEnv } from '../../scripts/bootstrap.mjs';
import { parseJson, timed } from '../lib/interleave.mjs';
import { root, startDev, tmp, wrangler } from '../lib/wrangler.mjs';
import { BENCH_PASSWORD } from '../seed.mjs';

export const PEER_DIR = path.resolve(
  process.env.BENCH_PEER_DIR ?? path.join(root, '..', 'shared', 'peers', 'better-auth'),
);
const copy = path.join(tmp, 'peer');
const peerState = path.join(tmp, 'peer-state');
export const PEER_EMAIL = 'bench@example.com';
const SKIPPED = new Set(['node_modules', '.wrangler', '.dev.vars']);

/** Copies the peer's files (not its node_modules or state) as writable files. */
function copyTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (SKIPPED.has(name)) continue;
    const source = path.join(from, name);
    const target = path.join(to, name);
    if (statSync(source).isDirectory()) copyTree(source, target);
    else writeFileSync(target, readFileSync(source));
  }
}

const packageStamp = () =>
  createHash('sha256')
    .update(readFileSync(path.join(PEER_DIR, 'package.json')))
    .update(readFileSync(path.join(PEER_DIR, 'package-lock.json')))
    .digest('hex');

function peerVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(copy, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'n/a';
  }
}

/**
 * Prepares the copy; returns { available, note?, installSeconds, versions }. A missing peer source
 * is not an error: the peer's measurements are then reported as n/a.
 */
export function preparePeer({ log }) {
  if (!existsSync(path.join(PEER_DIR, 'package.json'))) {
    return { available: false, note: `peer source not found at ${PEER_DIR} (set BENCH_PEER_DIR): peer not measured` };
  }
  // A fresh copy of the source every run; the installed dependencies stay (bench/.tmp is a cache).
  mkdirSync(copy, { recursive: true });
  for (const name of readdirSync(copy)) {
    if (name !== 'node_modules' && name !== '.install-stamp')
      rmSync(path.join(copy, name), { recursive: true, force: true });
  }
  copyTree(PEER_DIR, copy);
  copyFileSync(path.join(root, 'bench', 'peer-worker.js'), path.join(copy, 'bench-entry.js'));
  copyFileSync(path.join(root, 'bench', 'worker-probe.js'), path.join(copy, 'worker-probe.js'));
  const stampFile = path.join(copy, '.install-stamp');
  const stamp = packageStamp();
  let installSeconds = 0;
  const installed = existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp;
  if (!installed) {
    log('installing the peer’s runtime dependencies from the npm registry (bench/.tmp/peer, cached)');
    rmSync(path.join(copy, 'node_modules'), { recursive: true, force: true });
    const started = performance.now();
    // --ignore-scripts: none of its runtime dependencies needs one (esbuild's, pulled in as a peer
    // dependency of drizzle-kit, is not used: our wrangler bundles).
    const result = spawnSync('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-fund', '--no-audit'], {
      cwd: copy,
      env: toolEnv(),
      encoding: 'utf8',
      timeout: 300_000,
    });
    writeFileSync(path.join(tmp, 'peer-install.log'), `${result.stdout ?? ''}\n${result.stderr ?? ''}`);
    if (result.status !== 0) {
      throw new Error(`peer npm install failed (${result.status ?? result.signal}): see bench/.tmp/peer-install.log`);
    }
    installSeconds = (performance.now() - started) / 1000;
    writeFileSync(stampFile, stamp);
  }
  rmSync(peerState, { recursive: true, force: true });
  wrangler(
    ['d1', 'migrations', 'apply', 'peer-better-auth', '--local', '--persist-to', peerState, '--config', peerToml()],
    { log: path.join(tmp, 'peer-migrations.log') },
  );
  return {
    available: true,
    installSeconds,
    hasher: bundledHasher(),
    versions: {
      betterAuth: peerVersion('better-auth'),
      hono: peerVersion('hono'),
      drizzle: peerVersion('drizzle-orm'),
    },
  };
}

const peerToml = () => path.join(copy, 'wrangler.toml');

/** Starts the peer; signs up the benchmark user (one hash) so that sign-in has an account. */
export async function startPeer({ port }) {
  const url = `http://127.0.0.1:${port}`;
  const server = await startDev({
    name: 'peer (better-auth)',
    port,
    config: peerToml(),
    script: path.join(copy, 'bench-entry.js'),
    persistTo: peerState,
    vars: { BETTER_AUTH_URL: url },
    readyPath: '/health',
    log: path.join(tmp, 'peer.log'),
  });
  const signUp = await peerPost(url, '/api/auth/sign-up/email', {
    email: PEER_EMAIL,
    password: BENCH_PASSWORD,
    name: 'Bench User',
  });
  if (signUp.status !== 200) {
    await server.stop();
    throw new Error(`peer sign-up: ${signUp.status} ${signUp.text.slice(0, 300)}`);
  }
  return server;
}

/**
 * Which password hasher the peer's worker bundle contains: bundles it the way `wrangler dev` does
 * (`wrangler deploy --dry-run`: same esbuild, same `workerd` export conditions, nothing sent) and
 * looks for @better-auth/utils's two password modules.
 */
function bundledHasher() {
  const outdir = path.join(tmp, 'peer-bundle');
  rmSync(outdir, { recursive: true, force: true });
  wrangler(['deploy', path.join(copy, 'bench-entry.js'), '--config', peerToml(), '--dry-run', '--outdir', outdir], {
    log: path.join(tmp, 'peer-bundle.log'),
  });
  const text = readFileSync(path.join(outdir, 'bench-entry.js'), 'utf8');
  const node = text.includes('@better-auth/utils/dist/password.node.mjs');
  const noble = text.includes('@better-auth/utils/dist/password.mjs');
  if (node && !noble) return 'node:crypto `scrypt` (@better-auth/utils/dist/password.node.mjs, its `workerd` export)';
  if (noble) return '@noble/hashes `scryptAsync` (@better-auth/utils/dist/password.mjs)';
  return 'unknown: no @better-auth/utils password module in the bundle';
}

/**
 * A POST to the peer as a browser sends it: better-auth refuses state-changing requests without an
 * Origin (403 MISSING_OR_NULL_ORIGIN), so every POST carries the peer's own origin.
 */
export const peerPost = (url, endpoint, json, headers = {}) =>
  timed(`${url}${endpoint}`, { method: 'POST', json, headers: { origin: url, ...headers } });

/** Signs in on the peer; returns its session cookie (`name=value`). */
export async function peerSignIn(url) {
  const response = await peerPost(url, '/api/auth/sign-in/email', { email: PEER_EMAIL, password: BENCH_PASSWORD });
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('better-auth.session_token='));
  if (response.status !== 200 || !cookie) {
    throw new Error(`peer sign-in: ${response.status} ${response.text.slice(0, 300)}`);
  }
  return { cookie: cookie.split(';')[0], body: parseJson(response.text) };
}
