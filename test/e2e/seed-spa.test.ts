import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AxiosError, AxiosInstance, AxiosStatic } from 'axios';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from './dev-server';

/**
 * The seed's front-end code, verbatim (the two blocks of the README's SPA section, which are the
 * original documentation's), run in Node with axios against `npm start`. Its URLs are hard-coded to
 * http://localhost:8001: axios is pointed at a local forwarding proxy that sends every request to
 * this test's server and records what the SPA asked for. `localStorage` and `window.location` are
 * the two browser globals the code uses; they are stubbed as plain objects.
 */

const root = path.resolve(import.meta.dirname, '../..');
const PASSWORD = 'Correct-Horse9!';
/** Short, so that the interceptor's refresh is exercised without waiting 15 minutes. */
const ACCESS_TOKEN_TTL = 2;

interface SeedSpa {
  api: AxiosInstance;
  axios: AxiosStatic;
  login(email: string, password: string): Promise<{ user: { email: string } } | { requiresMFA: true }>;
  getCurrentUser(): Promise<{ email: string }>;
  logout(): Promise<void>;
}

let server: DevServer;
let proxy: Server;
let spa: SeedSpa;
let moduleFile = '';
/** Every request the SPA made, as `METHOD /path`. */
const requests: string[] = [];
const storage = new Map<string, string>();
const location = { href: 'http://localhost:3000/dashboard' };

/** The README's code block after `<!-- seed-spa: NAME -->`. */
function readmeBlock(name: string): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- seed-spa: ${name} -->\\n\`\`\`javascript\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match?.[1]) throw new Error(`no seed-spa block "${name}" in the README`);
  return match[1];
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An HTTP proxy that forwards to the test's server whatever host the request names. */
async function forwardingProxy(target: string): Promise<Server> {
  const forwarder = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost:8001');
    requests.push(`${request.method} ${url.pathname}`);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !['host', 'connection', 'proxy-connection', 'content-length'].includes(name)) {
        headers.set(name, value);
      }
    }
    const body = await bodyOf(request);
    const answer = await fetch(`${target}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      body: body.length > 0 ? new Uint8Array(body) : undefined,
    });
    const answerHeaders: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name)) {
        answerHeaders[name] = value;
      }
    });
    response.writeHead(answer.status, answerHeaders);
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', resolve));
  return forwarder;
}

/** The two README blocks as one module (the second uses the first's `api`), exporting what the test drives. */
async function loadSeedSpa(proxyPort: number): Promise<SeedSpa> {
  const directory = path.join(root, 'node_modules', '.cache', 'seed-spa');
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `seed-spa-${process.pid}-${Date.now()}.mjs`);
  moduleFile = file;
  const source = `${readmeBlock('axios configuration')}\n${readmeBlock('usage')}\nexport { api, axios, login, getCurrentUser, logout };\n`;
  writeFileSync(file, source);
  const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as SeedSpa;
  // Both the instance and the bare axios the interceptor refreshes with go through the proxy.
  const viaProxy = { protocol: 'http', host: '127.0.0.1', port: proxyPort };
  module.axios.defaults.proxy = viaProxy;
  module.api.defaults.proxy = viaProxy;
  return module;
}

async function call(method: string, route: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${server.url}/api/auth/${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function verifiedUser(prefix: string): Promise<string> {
  const email = `${prefix}.${Date.now()}@example.com`;
  const registered = await call('POST', 'register/', {
    email,
    username: `${prefix}_${Date.now()}`,
    password: PASSWORD,
    password_confirm: PASSWORD,
  });
  expect(registered.status).toBe(201);
  const pattern = new RegExp(`To: ${email.replace(/[.]/g, '\\.')}[\\s\\S]*?/verify-email\\?token=([A-Za-z0-9_-]+)`);
  const deadline = Date.now() + 10_000;
  let token: string | undefined;
  while (!token && Date.now() < deadline) {
    token = pattern.exec(server.output())?.[1];
    if (!token) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect((await call('POST', 'verify-email/', { token })).status).toBe(200);
  return email;
}

/** A user with MFA on (enabled and verified through the API); returns the email. */
async function userWithMfa(): Promise<string> {
  const email = await verifiedUser('mfa');
  const session = await call('POST', 'login/', { email, password: PASSWORD });
  const setup = await call('POST', 'mfa/enable/', undefined, session.body.access_token);
  const code = new TOTP({ secret: Secret.fromBase32(setup.body.secret) }).generate();
  expect((await call('POST', 'mfa/verify/', { code }, session.body.access_token)).status).toBe(200);
  return email;
}

/** Runs `action`; says whether the seed's interceptor refreshed or redirected meanwhile. */
async function observe<T>(action: () => Promise<T>) {
  const before = requests.length;
  const settled = await action().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const made = requests.slice(before);
  return { settled, made, refreshed: made.includes('POST /api/auth/refresh/'), location: location.href };
}

beforeAll(async () => {
  server = await startDevServer({ vars: { ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL) } });
  proxy = await forwardingProxy(server.url);
  Object.assign(globalThis, {
    localStorage: {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => storage.set(key, String(value)),
      removeItem: (key: string) => storage.delete(key),
      clear: () => storage.clear(),
    },
    window: { location },
  });
  spa = await loadSeedSpa((proxy.address() as AddressInfo).port);
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await server?.stop();
  if (moduleFile) rmSync(moduleFile, { force: true });
});

describe("the seed's axios code, verbatim, against npm start", () => {
  it('gives a wrong password back to the caller as 400 invalid_credentials: no refresh, no redirect', async () => {
    const email = await verifiedUser('seed');
    storage.set('theme', 'dark');
    const attempt = await observe(() => spa.login(email, 'Wrong-Password1!'));
    expect(attempt.settled.ok).toBe(false);
    // The seed's login() rethrows `error.response?.data`: the problem body.
    expect(attempt.settled.ok ? null : attempt.settled.error).toMatchObject({
      status: 400,
      code: 'invalid_credentials',
    });
    expect(attempt.made).toEqual(['POST /api/auth/login/']);
    expect(attempt.refreshed).toBe(false);
    expect(attempt.location).toBe('http://localhost:3000/dashboard');
    expect(storage.get('theme')).toBe('dark');
  });

  it('gives a wrong MFA code and a bad MFA token back as 400 with their codes: no refresh, no redirect', async () => {
    const email = await userWithMfa();
    const challenge = await observe(() => spa.login(email, PASSWORD));
    expect(challenge.settled.ok ? null : challenge.settled.error).toMatchObject({
      status: 428,
      code: 'mfa_required',
      requires_mfa: true,
    });
    const mfaToken = challenge.settled.ok ? '' : (challenge.settled.error as { mfa_token: string }).mfa_token;

    const wrongCode = await observe(() => spa.api.post('/login/mfa/', { mfa_token: mfaToken, mfa_code: '000000' }));
    const codeError = wrongCode.settled.ok ? null : (wrongCode.settled.error as AxiosError<{ code: string }>);
    expect(codeError?.response?.status).toBe(400);
    expect(codeError?.response?.data.code).toBe('invalid_mfa_code');
    expect(wrongCode.made).toEqual(['POST /api/auth/login/mfa/']);

    const badToken = await observe(() =>
      spa.api.post('/login/mfa/', { mfa_token: 'B'.repeat(43), mfa_code: '123456' }),
    );
    const tokenError = badToken.settled.ok ? null : (badToken.settled.error as AxiosError<{ code: string }>);
    expect(tokenError?.response?.status).toBe(400);
    expect(tokenError?.response?.data.code).toBe('invalid_mfa_token');

    for (const attempt of [wrongCode, badToken]) {
      expect(attempt.refreshed).toBe(false);
      expect(attempt.location).toBe('http://localhost:3000/dashboard');
    }
    expect(storage.get('theme')).toBe('dark');
  });

  it('refreshes on an expired access token and retries, in one tab and in two at once', async () => {
    const email = await verifiedUser('tabs');
    const signedIn = await spa.login(email, PASSWORD);
    expect(signedIn).toMatchObject({ user: { email } });
    const firstRefreshToken = storage.get('refresh_token');

    await new Promise((resolve) => setTimeout(resolve, (ACCESS_TOKEN_TTL + 1) * 1000));
    const oneTab = await observe(() => spa.getCurrentUser());
    expect(oneTab.settled).toMatchObject({ ok: true, value: { email } });
    expect(oneTab.made).toEqual(['GET /api/auth/me/', 'POST /api/auth/refresh/', 'GET /api/auth/me/']);
    expect(storage.get('refresh_token')).not.toBe(firstRefreshToken);

    // Two tabs sharing the storage, both finding the access token expired: both refresh with the same token.
    for (let expiry = 0; expiry < 2; expiry++) {
      await new Promise((resolve) => setTimeout(resolve, (ACCESS_TOKEN_TTL + 1) * 1000));
      const shared = storage.get('refresh_token');
      const twoTabs = await observe(() => Promise.all([spa.getCurrentUser(), spa.getCurrentUser()]));
      expect(twoTabs.settled).toMatchObject({ ok: true, value: [{ email }, { email }] });
      expect(twoTabs.made.filter((request) => request === 'POST /api/auth/refresh/')).toHaveLength(2);
      expect(storage.get('refresh_token')).not.toBe(shared);
      expect(twoTabs.location).toBe('http://localhost:3000/dashboard');
    }

    // The seed's logout: clears the storage and goes to /login; the session is over.
    const lastRefreshToken = storage.get('refresh_token');
    await spa.logout();
    expect(location.href).toBe('/login');
    expect(storage.size).toBe(0);
    expect((await call('POST', 'refresh/', { refresh_token: lastRefreshToken })).status).toBe(401);
  });
});
