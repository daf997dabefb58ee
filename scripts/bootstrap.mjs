// Runs on whatever Node the machine has (Node 20 included): installs dependencies when they are
// missing or stale, then runs project tools on the Node 22 that the `node` devDependency brings.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'node_modules', '.bin');

export function ensureInstalled() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  const stale =
    !existsSync(path.join(bin, 'wrangler')) ||
    !existsSync(path.join(bin, 'node')) ||
    !existsSync(marker) ||
    (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
  if (!stale) return;
  console.log('> installing dependencies (npm install)');
  const result = spawnSync('npm', ['install', '--no-fund', '--no-audit'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
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
