import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The service started exactly as the README says (`npm start -- <wrangler dev args>`), on a free
 * loopback port, with a state directory and variables file of its own in a scratch directory: it
 * neither reads nor writes the developer's `.dev.vars` and local database, and runs next to an
 * `npm start` already listening on 8001.
 *
 * Layout of the scratch directory (the effective configuration printed in the output names the
 * variables file, so a test can find both): `<scratch>/e2e.vars`, `<scratch>/state`.
 */
export interface DevServer {
  /** The origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Everything the server printed so far (wrangler, the console email transport, logs). */
  output(): string;
  /** Stops the whole process group and removes the scratch directory. */
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

/** `vars` go to the variables file (`--env-file`), over wrangler.toml; `npm start` adds the secrets to it. */
export async function startDevServer(options: { vars?: Record<string, string> } = {}): Promise<DevServer> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'auth-service-e2e-'));
  const varsFile = path.join(scratch, 'e2e.vars');
  // Quoted only when it must be: a value with spaces, quotes or a newline.
  const lines = Object.entries(options.vars ?? {}).map(
    ([name, value]) => `${name}=${/^[^\s'"#]*$/.test(value) ? value : JSON.stringify(value)}\n`,
  );
  writeFileSync(varsFile, lines.join(''));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const devArgs = ['--port', String(port), '--ip', '127.0.0.1', '--persist-to', path.join(scratch, 'state')];
  const server: ChildProcess = spawn(
    'npm',
    ['start', '--', ...devArgs, '--env-file', varsFile, '--show-interactive-dev-session=false'],
    { cwd: root, detached: true, env: { ...process.env, NO_COLOR: '1' } },
  );
  let output = '';
  server.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  server.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise((resolve) => server.once('exit', resolve));

  const stop = async () => {
    if (server.pid && server.exitCode === null && server.signalCode === null) {
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    rmSync(scratch, { recursive: true, force: true });
  };

  try {
    await waitForHealth(url, server, () => output, 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output: () => output, stop };
}

async function waitForHealth(url: string, server: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/api/auth/health/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null) throw new Error(`npm start exited early:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the dev server did not answer within ${timeoutMs} ms:\n${output()}`);
}

/** Waits until the output matches `pattern` (an email of the console transport, a log line). */
export async function waitForOutput(server: DevServer, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(server.output());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`${pattern} not seen in the server output`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The server's variables file, as its effective configuration names it; its state directory lies beside it. */
export async function varsFileOf(server: DevServer): Promise<string> {
  const [, file] = await waitForOutput(server, /JWT_PRIVATE_KEY +\(secret, set\) +(\S*e2e\.vars)\n/, 60_000);
  return file!;
}

/**
 * `npm run admin:promote -- <email>` on the server's own database, as the README makes the first
 * SUPER_ADMIN. Run asynchronously: a blocking spawn would stall the event loop while the server
 * closes idle keep-alive connections, and the next fetch would reuse a dead socket.
 */
export async function promoteToSuperAdmin(server: DevServer, email: string): Promise<string> {
  const state = path.join(path.dirname(await varsFileOf(server)), 'state');
  const { stdout } = await promisify(execFile)('npm', ['run', 'admin:promote', '--', email, `--persist-to=${state}`], {
    cwd: root,
    encoding: 'utf8',
  });
  return stdout;
}
