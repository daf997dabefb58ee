import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The service started exactly as the README says (`npm start -- <wrangler dev args>`), for
 * end-to-end tests: a free port, and a state directory and variables file of its own, so it neither
 * reads nor writes the developer's `.dev.vars` and local database, and runs next to an `npm start`
 * already listening on 8001. `npm start` adds the missing local secrets to the variables file.
 */
export interface DevServer {
  /** The server's origin, e.g. `http://127.0.0.1:43123` (the API is under `/api/auth/`). */
  url: string;
  /** Everything the server printed so far (wrangler, the request log, console emails). */
  output(): string;
  /** Stops the server and its children, and removes its state. */
  stop(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, '../..');

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

async function waitForHealth(url: string, server: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/api/auth/health/`)).ok) return;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null) throw new Error(`npm start exited early:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the dev server did not answer within ${timeoutMs} ms:\n${output()}`);
}

export async function startDevServer(options: { vars?: Record<string, string> } = {}): Promise<DevServer> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'auth-service-e2e-'));
  const varsFile = path.join(scratch, 'e2e.vars');
  writeFileSync(
    varsFile,
    Object.entries(options.vars ?? {})
      .map(([name, value]) => `${name}=${value}\n`)
      .join(''),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const devArgs = [
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    path.join(scratch, 'state'),
    '--env-file',
    varsFile,
  ];
  const server = spawn('npm', ['start', '--', ...devArgs, '--show-interactive-dev-session=false'], {
    cwd: root,
    detached: true,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let printed = '';
  server.stdout?.on('data', (chunk) => {
    printed += chunk;
  });
  server.stderr?.on('data', (chunk) => {
    printed += chunk;
  });
  const output = () => printed;
  const stop = async () => {
    if (server.pid && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, server, output, 150_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output, stop };
}
