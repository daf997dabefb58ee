// Runs wrangler the way scripts/start.mjs does (Node 22 first on PATH, no telemetry), but against
// the bench's own persistence (bench/.tmp/state), ports and secrets, and never in the foreground.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { root, toolEnv } from '../../scripts/bootstrap.mjs';

export { root };
export const tmp = path.join(root, 'bench', '.tmp');
export const state = path.join(tmp, 'state');
const wranglerBin = path.join(root, 'node_modules', '.bin', 'wrangler');
/**
 * The bench's own dev registry (where `wrangler dev` processes find each other's Workers for
 * service bindings): another project's dev servers on this machine never answer our bindings.
 */
const benchEnv = () => toolEnv({ WRANGLER_REGISTRY_PATH: path.join(tmp, 'registry') });

function tail(file, lines = 25) {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
}

/** Runs one wrangler command to completion with its output in a log file; throws with the tail. */
export function wrangler(args, { log, timeoutMs = 240_000 } = {}) {
  const fd = openSync(log, 'w');
  const result = spawnSync(wranglerBin, args, {
    cwd: root,
    env: benchEnv(),
    stdio: ['ignore', fd, fd],
    timeout: timeoutMs,
  });
  closeSync(fd);
  if (result.status !== 0) {
    throw new Error(`wrangler ${args.slice(0, 3).join(' ')} failed (${result.signal ?? result.status}):\n${tail(log)}`);
  }
  return readFileSync(log, 'utf8');
}

/** `wrangler d1 execute DB --local` against the bench state (or `persistTo`): a SQL file or one command. */
export function d1({ file, command, log, config, persistTo = state, timeoutMs }) {
  const args = ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--yes'];
  if (config) args.push('--config', config);
  if (file) args.push('--file', file);
  if (command) args.push('--command', command, '--json');
  const output = wrangler(args, { log, timeoutMs });
  if (!command) return null;
  // --json prints one array of statement results (after possible log lines).
  return JSON.parse(output.slice(output.indexOf('[')));
}

export async function assertPortFree(port) {
  await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () => reject(new Error(`port ${port} is busy: set BENCH_PORT / BENCH_WORKER_PORT`)));
    server.listen(port, '127.0.0.1', () => server.close(resolve));
  });
}

/**
 * Starts `wrangler dev` detached (its own process group, so that stopping it also stops the
 * workerd processes it spawns), logging to a file, and waits until `readyPath` answers
 * `readyStatus`. `configs`: more Workers served by the same process (`-c` each, after `config`);
 * `workerName` renames the Worker (`--name`).
 */
export async function startDev({
  name,
  port,
  config,
  configs = [],
  workerName,
  readyStatus = 200,
  script,
  envFile,
  persistTo = state,
  vars = {},
  readyPath,
  log,
  timeoutMs = 120_000,
}) {
  await assertPortFree(port);
  const args = [
    'dev',
    ...(script ? [script] : []),
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--inspector-port',
    '0',
  ];
  args.push('--persist-to', persistTo, '--show-interactive-dev-session=false');
  if (envFile) args.push('--env-file', envFile);
  for (const file of [config, ...configs].filter(Boolean)) args.push('--config', file);
  if (workerName) args.push('--name', workerName);
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
  const fd = openSync(log, 'w');
  const child = spawn(wranglerBin, args, { cwd: root, env: benchEnv(), stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = signal ?? code;
  });
  const url = `http://127.0.0.1:${port}`;
  const server = { name, url, log, child, stop: () => stopDev(child) };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`${name}: wrangler dev exited (${exited}):\n${tail(log)}`);
    const status = await fetch(url + readyPath, { signal: AbortSignal.timeout(5000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === readyStatus) return server;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await server.stop();
  throw new Error(`${name}: not ready within ${timeoutMs / 1000}s:\n${tail(log)}`);
}

/** SIGTERM to the process group we created, SIGKILL after 10 s if it lingers. */
async function stopDev(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  // Give workerd a moment to release the SQLite files before the next step touches them.
  await new Promise((resolve) => setTimeout(resolve, 300));
}
