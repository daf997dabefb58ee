import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Starts the service exactly as the README says (`npm start`) and drives it over HTTP, reading
 * the verification link from the console email transport's output like a developer would.
 */
const root = path.resolve(import.meta.dirname, '../..');
const BASE = 'http://localhost:8001/api/auth';
const PASSWORD = 'Correct-Horse9!';

let server: ChildProcess;
let output = '';

async function waitForHealth(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${BASE}/health/`);
      if (response.ok) return (await response.json()) as Record<string, unknown>;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the dev server did not answer within ${timeoutMs} ms:\n${output}`);
}

async function waitForOutput(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(output);
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${pattern} not seen in the server output`);
}

async function api(method: string, route: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${BASE}/${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  server = spawn('npm', ['start'], { cwd: root, detached: true, env: { ...process.env, NO_COLOR: '1' } });
  server.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  server.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const health = await waitForHealth(120_000);
  expect(health).toEqual({ status: 'healthy', service: 'auth-service', version: '1.0.0' });
});

afterAll(async () => {
  if (server?.pid && server.exitCode === null) {
    process.kill(-server.pid, 'SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
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
    expect((await api('POST', 'login/', { email, password: PASSWORD })).status).toBe(401);
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
    const promoted = spawnSync('npm', ['run', 'admin:promote', '--', email], { cwd: root, encoding: 'utf8' });
    expect(promoted.status, promoted.stderr).toBe(0);
    expect(promoted.stdout).toContain('is now SUPER_ADMIN');
    const listed = await api('GET', `admin/users/?q=${encodeURIComponent(email)}`, undefined, adminToken);
    expect(listed.status).toBe(200);
    expect(listed.body.users[0]).toMatchObject({ email, role: 'SUPER_ADMIN' });
  });
});
