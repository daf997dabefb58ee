import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The service as the README starts it (`npm start -- <wrangler dev args>`), for end-to-end tests:
 * on a free port of 127.0.0.1, with a state directory and a variables file of its own (so it
 * neither reads nor writes the developer's `.dev.vars` and local database, and runs next to an
 * `npm start` already listening on 8001). `vars` go into that file, on top of wrangler.toml's; the
 * start-up adds the local secrets to it. `{origin}` and `{port}` in a value become the server's
 * origin and port, which are only known here (e.g. `APP_URL: 'http://localhost:{port}/account'`:
 * WebAuthn takes the RP ID from APP_URL, and an IP address cannot be one).
 */
export interface DevServer {
  /** The server's origin, e.g. `http://127.0.0.1:40123` (the API is under `/api/auth/`). */
  url: string;
  /** Everything the server printed so far (the console email transport's messages included). */
  output(): string;
  stop(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, '../..');
/** The first start installs, migrates and bundles: slow on a busy machine. */
const START_TIMEOUT_MS = 150_000;

export async function startDevServer(options: { vars?: Record<string, string> } = {}): Promise<DevServer> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'auth-service-e2e-'));
  const varsFile = path.join(scratch, 'e2e.vars');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const vars = Object.fromEntries(
    Object.entries(options.vars ?? {}).map(([name, value]) => [
      name,
      value.replaceAll('{origin}', url).replaceAll('{port}', String(port)),
    ]),
  );
  writeFileSync(varsFile, dotenv(vars));
  const devArgs = [
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    path.join(scratch, 'state'),
    '--env-file',
    varsFile,
    '--show-interactive-dev-session=false',
  ];
  const server = spawn('npm', ['start', '--', ...devArgs], {
    cwd: root,
    detached: true,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk;
  };
  server.stdout?.on('data', collect);
  server.stderr?.on('data', collect);

  const stop = async () => {
    await terminate(server);
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, server, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output: () => output, stop };
}

function dotenv(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`not a variable name: ${name}`);
      return `${name}=${JSON.stringify(value)}\n`;
    })
    .join('');
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

async function waitForHealth(url: string, server: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/api/auth/health/`)).ok) return;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null) throw new Error(`npm start exited early:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the dev server did not answer within ${START_TIMEOUT_MS} ms:\n${output()}`);
}

/** The whole process group: npm, the start script, wrangler and workerd. */
async function terminate(server: ChildProcess): Promise<void> {
  if (!server.pid || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    return;
  }
  await exited;
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
