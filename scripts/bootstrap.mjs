// Runs on whatever Node the machine has (Node 20 included): installs dependencies when they are
// missing or stale, then runs project tools on the Node 22 that the `node` devDependency brings.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'node_modules', '.bin');

function installIsStale() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  return (
    !existsSync(path.join(bin, 'wrangler')) ||
    !existsSync(path.join(bin, 'node')) ||
    !existsSync(marker) ||
    (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs)
  );
}

function ownerOf(lock) {
  try {
    return Number(readFileSync(lock, 'utf8')) || 0;
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Runs `install` with no other npm script of this checkout installing at the same time: `npm test`
 * typed while a first `npm start` is still installing waits for it instead of installing over it.
 */
function whileNobodyElseInstalls(install) {
  const lock = path.join(
    os.tmpdir(),
    `edge-auth-service-install-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.pid`,
  );
  let told = false;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const owner = ownerOf(lock);
      if (owner === null) continue; // released meanwhile
      if (!isRunning(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (!told) console.log(`> waiting for the dependency install of process ${owner}`);
      told = true;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  // Ctrl-C reaches npm too; the lock is removed once it has stopped.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  try {
    return install();
  } finally {
    rmSync(lock, { force: true });
    process.off('SIGINT', ignore);
  }
}

export function ensureInstalled() {
  if (!installIsStale()) return;
  const status = whileNobodyElseInstalls(() => {
    if (!installIsStale()) return 0;
    // `npm ci` installs exactly the lock file (which lists every platform's packages) and never
    // rewrites it, so a fresh clone stays clean; it refuses a package.json the lock does not match.
    console.log('> installing dependencies (npm ci, about a minute the first time)');
    if (Number(process.versions.node.split('.')[0]) < 22) {
      console.log(
        `> Node ${process.versions.node}: npm's EBADENGINE warnings are expected, the project runs on its own Node 22`,
      );
    }
    return spawnSync('npm', ['ci', '--no-fund', '--no-audit'], { cwd: root, stdio: 'inherit' }).status ?? 1;
  });
  if (status !== 0) {
    console.error('> npm ci failed; if you changed package.json, run `npm install` to update package-lock.json');
    process.exit(status);
  }
}

/** The environment for project tools: Node 22 first on PATH, wrangler quiet about telemetry. */
export function toolEnv(extra = {}) {
  return {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? 'false',
    WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? 'false',
    ...extra,
  };
}

export function runSync(command, args) {
  const result = spawnSync(path.join(bin, command), args, { cwd: root, stdio: 'inherit', env: toolEnv() });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Runs a tool in the foreground, forwarding signals, and exits with its code. */
export function runForeground(command, args) {
  const child = spawn(path.join(bin, command), args, { cwd: root, stdio: 'inherit', env: toolEnv() });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
