import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Starts the service exactly as the README says (`npm start`, with `-- <wrangler dev args>`) on a
 * free port, with a state directory and variables file of its own (`e2e.vars`, beside `state/` in a
 * temporary directory), so it neither reads nor writes the developer's `.dev.vars` and local
 * database, and runs next to an `npm start` already listening on 8001.
 *
 * `vars` go into that variables file; `{origin}` in a value becomes the server's origin
 * (`http://127.0.0.1:<port>`), which is only known here (e.g. `APP_URL: '{origin}/account'`).
 * Resolves once `health/` answers; `output()` is everything the server printed so far.
 */
const root = path.resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 120_000;

export interface DevServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function startDevServer(options: { vars?: Record<string, string> } = {}): Promise<DevServer> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'auth-service-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const varsFile = path.join(scratch, 'e2e.vars');
  const lines = Object.entries(options.vars ?? {}).map(
    ([name, value]) => `${name}=${value.replaceAll('{origin}', url)}`,
  );
  writeFileSync(varsFile, lines.map((line) => `${line}\n`).join(''));

  const args = ['--port', String(port), '--ip', '127.0.0.1', '--persist-to', path.join(scratch, 'state')];
  const server: ChildProcess = spawn(
    'npm',
    ['start', '--', ...args, '--env-file', varsFile, '--show-interactive-dev-session=false'],
    { cwd: root, detached: true, env: { ...process.env, NO_COLOR: '1' } },
  );
  let output = '';
  server.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  server.stderr?.on('data', (chunk) => {
    output += chunk;
  });

  const stop = async () => {
    if (server.pid && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    rmSync(scratch, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(`${url}/api/auth/health/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null) {
      await stop();
      throw new Error(`npm start exited early:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the dev server did not answer within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { url, output: () => output, stop };
}

/**
 * The variables file and local state directory of a server started here, read from the
 * configuration block `npm start` prints once it listens: for tests that act on the local database
 * from a shell, as the README's `admin:promote` does (`--persist-to=<state>`).
 */
export async function localFilesOf(
  server: DevServer,
  timeoutMs = 60_000,
): Promise<{ varsFile: string; state: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const varsFile = /JWT_PRIVATE_KEY +\(secret, set\) +(\S*e2e\.vars)\n/.exec(server.output())?.[1];
    if (varsFile) return { varsFile, state: path.join(path.dirname(varsFile), 'state') };
    if (Date.now() > deadline) throw new Error(`no configuration block in the output:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
