import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, localFilesOf, startDevServer } from './dev-server';

/**
 * Starts the service exactly as the README says (`npm start`, with `-- <wrangler dev args>`, see
 * dev-server.ts) and drives it over HTTP, reading the verification link from the console email
 * transport's output like a developer would.
 */
const root = path.resolve(import.meta.dirname, '../..');
const PASSWORD = 'Correct-Horse9!';
/** Not wrangler.toml's values, so the test sees that its own variables file took effect. */
const ACCESS_TOKEN_TTL = 321;
const CORS_ORIGIN = 'http://e2e.example';

let base = '';
let server: DevServer;
let output = '';

async function waitForOutput(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    output = server.output();
    const match = pattern.exec(output);
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${pattern} not seen in the server output`);
}

async function api(method: string, route: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${base}/${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  server = await startDevServer({ vars: { ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL), CORS_ORIGINS: CORS_ORIGIN } });
  base = `${server.url}/api/auth`;
  const health = await (await fetch(`${base}/health/`)).json();
  expect(health).toEqual({ status: 'healthy', service: 'auth-service', version: '1.0.0' });
});

afterAll(async () => {
  await server?.stop();
});

describe('npm start -- <wrangler dev args>', () => {
  it('uses the given variables file (secrets added to it) and prints the effective configuration', async () => {
    // Printed once wrangler listens; it imports wrangler, which takes a while on a busy machine.
    await waitForOutput(/┌ effective configuration[\s\S]*?\n└/, 60_000);
    expect(output).toMatch(new RegExp(`ACCESS_TOKEN_TTL +${ACCESS_TOKEN_TTL} +\\S*e2e\\.vars\\n`));
    expect(output).toMatch(/CORS_ORIGINS +http:\/\/e2e\.example +\S*e2e\.vars, replaces wrangler\.toml\n/);
    expect(output).toMatch(/JWT_PRIVATE_KEY +\(secret, set\) +\S*e2e\.vars\n/);
    expect(output).not.toContain('Using secrets defined in .dev.vars');
    const secrets = [
      ...readFileSync((await localFilesOf(server)).varsFile, 'utf8').matchAll(
        /^(?:JWT_PRIVATE_KEY|SECRET_ENCRYPTION_KEY|BACKUP_CODE_PEPPER)='(.+)'$/gm,
      ),
    ];
    expect(secrets).toHaveLength(3);
    for (const [, value] of secrets) expect(output).not.toContain(value);

    const preflight = await fetch(`${base}/login/`, {
      method: 'OPTIONS',
      headers: { Origin: CORS_ORIGIN, 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(CORS_ORIGIN);
  });
});

describe('npm start, then the HTTP API', () => {
  it('walks register → email link → verify → login → me → refresh → logout', async () => {
    const email = `e2e.${Date.now()}@example.com`;
    const registered = await api('POST', 'register/', {
      email,
      username: `e2e_${Date.now()}`,
      password: PASSWORD,
      password_confirm: PASSWORD,
    });
    expect(registered.status).toBe(201);

    const escaped = email.replace(/[.]/g, '\\.');
    const [, token] = await waitForOutput(new RegExp(`To: ${escaped}[\\s\\S]*?/verify-email\\?token=([A-Za-z0-9_-]+)`));
    expect((await api('POST', 'verify-email/', { token })).status).toBe(200);

    const login = await api('POST', 'login/', { email, password: PASSWORD });
    expect(login.status).toBe(200);
    const lifetime = (Date.parse(login.body.expires_at) - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(ACCESS_TOKEN_TTL - 30);
    expect(lifetime).toBeLessThanOrEqual(ACCESS_TOKEN_TTL);
    const me = await api('GET', 'me/', undefined, login.body.access_token);
    expect(me.body).toMatchObject({ email, is_email_verified: true });

    const refreshed = await api('POST', 'refresh/', { refresh_token: login.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.session_token).toBe(refreshed.body.access_token);

    expect((await api('POST', 'logout/', undefined, refreshed.body.session_token)).status).toBe(200);
    expect((await api('GET', 'me/', undefined, refreshed.body.session_token)).status).toBe(401);

    // Password reset: link from the console email, every old session dead, the new password works.
    const other = await api('POST', 'login/', { email, password: PASSWORD });
    expect((await api('POST', 'password/request-reset/', { email })).status).toBe(200);
    const [, resetToken] = await waitForOutput(
      new RegExp(`To: ${escaped}\\nSubject: Reset your password[\\s\\S]*?/reset-password\\?token=([A-Za-z0-9_-]+)`),
    );
    const NEW_PASSWORD = 'Another-Secret8?';
    const reset = await api('POST', 'password/reset/', {
      token: resetToken,
      new_password: NEW_PASSWORD,
      new_password_confirm: NEW_PASSWORD,
    });
    expect(reset.status).toBe(200);
    expect((await api('GET', 'me/', undefined, other.body.access_token)).status).toBe(401);
    const stale = await api('POST', 'login/', { email, password: PASSWORD });
    expect([stale.status, stale.body.code]).toEqual([400, 'invalid_credentials']);
    const signedIn = await api('POST', 'login/', { email, password: NEW_PASSWORD });
    expect(signedIn.status).toBe(200);

    // MFA: enable, verify with a code computed from the returned secret, then the 428 two-step login.
    const bearer = signedIn.body.access_token;
    const setup = await api('POST', 'mfa/enable/', undefined, bearer);
    expect(setup.status).toBe(200);
    const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret) });
    expect((await api('POST', 'mfa/verify/', { code: totp.generate() }, bearer)).status).toBe(200);
    const challenge = await api('POST', 'login/', { email, password: NEW_PASSWORD });
    expect(challenge.status).toBe(428);
    expect(challenge.body.requires_mfa).toBe(true);
    const second = await api('POST', 'login/mfa/', {
      mfa_token: challenge.body.mfa_token,
      mfa_code: setup.body.backup_codes[0],
    });
    expect(second.status).toBe(200);
    expect(second.body.user.mfa_enabled).toBe(true);

    // The first SUPER_ADMIN, promoted from the shell as the README says, then the admin API.
    const adminToken = second.body.access_token;
    expect((await api('GET', 'admin/users/', undefined, adminToken)).status).toBe(403);
    const { state } = await localFilesOf(server);
    const promoted = spawnSync('npm', ['run', 'admin:promote', '--', email, `--persist-to=${state}`], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(promoted.status, promoted.stderr).toBe(0);
    expect(promoted.stdout).toContain('is now SUPER_ADMIN');
    const listed = await api('GET', `admin/users/?q=${encodeURIComponent(email)}`, undefined, adminToken);
    expect(listed.status).toBe(200);
    expect(listed.body.users[0]).toMatchObject({ email, role: 'SUPER_ADMIN' });
  });
});
