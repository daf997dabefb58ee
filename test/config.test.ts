import { env } from 'cloudflare:workers';
import { exportJWK, generateKeyPair } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { call, get, problem } from './helpers/api';
import { captureConsole } from './helpers/mail';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});

/** Answers 503, says why in the log, and still carries the security headers. */
async function refused(overrides: Record<string, unknown>, reason: RegExp, path = '/api/auth/health/') {
  const response = await call('GET', path, { env: overrides });
  await problem(response, 503, 'service_unavailable');
  expect(response.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
  expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
  expect(response.headers.get('Strict-Transport-Security')).toContain('max-age=');
  expect(logs.lines.join('\n')).toMatch(reason);
}

describe('configuration refused at start-up, with a clear reason', () => {
  it('an introspection client with an empty or short secret, or a malformed entry', async () => {
    for (const value of [
      'billing:',
      'billing:short',
      ':a-secret-long-enough',
      'no-colon-here',
      'bad id:a-secret-long-enough',
    ]) {
      await refused({ INTROSPECTION_CREDENTIALS: value }, /INTROSPECTION_CREDENTIALS: each entry must be .*id:secret/);
    }
    expect(logs.lines.join('\n')).not.toContain('a-secret-long-enough');
    const fine = await get('health', { env: { INTROSPECTION_CREDENTIALS: 'billing:a-secret-long-enough' } });
    expect(fine.status).toBe(200);
  });

  it('a previous JWT key of another type, or with the current kid', async () => {
    const current = JSON.parse(env.JWT_PRIVATE_KEY as string);
    const ec = {
      ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)),
      kid: 'old-ec',
    };
    await refused({ JWT_PREVIOUS_PUBLIC_KEY: JSON.stringify(ec) }, /same key type and curve/);
    const sameKid = { ...JSON.parse(env.JWT_PREVIOUS_PUBLIC_KEY as string), kid: current.kid };
    await refused({ JWT_PREVIOUS_PUBLIC_KEY: JSON.stringify(sameKid) }, /different from JWT_PRIVATE_KEY/);
  });

  it('WebAuthn settings no browser could use', async () => {
    await refused({ WEBAUTHN_RP_ID: 'https://localhost:3000' }, /WEBAUTHN_RP_ID must be a domain name/);
    await refused(
      { WEBAUTHN_ORIGINS: 'localhost:3000' },
      /WEBAUTHN_ORIGINS: \W+localhost:3000\W+ is not an http\(s\) origin/,
    );
    await refused(
      { WEBAUTHN_RP_ID: 'learn.example.com' },
      /no WebAuthn origin is on \W+learn\.example\.com\W+ or one of its subdomains/,
    );
    const fine = { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://learn.example.com' };
    expect((await get('health', { env: fine })).status).toBe(200);
  });

  it('unknown roles in ADMIN_MFA_REQUIRED_ROLES', async () => {
    await refused({ ADMIN_MFA_REQUIRED_ROLES: 'ADMIN,KING' }, /unknown role\(s\) KING/);
  });

  it('the development settings (console transport) serving a request to a public host', async () => {
    const devSettings = { EMAIL_TRANSPORT: 'console' };
    const response = await fetchAs('https://auth.learn.example.com/api/auth/health/', devSettings);
    await problem(response, 503, 'service_unavailable');
    expect(response.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
    expect(logs.lines.join('\n')).toMatch(/EMAIL_TRANSPORT=console serves local development only/);
    for (const local of ['http://localhost:8001', 'http://127.0.0.1:8001', 'http://[::1]:8001', 'https://auth.test']) {
      expect((await fetchAs(`${local}/api/auth/health/`, devSettings)).status, local).toBe(200);
    }
  });
});

async function fetchAs(url: string, overrides: Record<string, string>): Promise<Response> {
  const { default: worker } = await import('../src/index');
  const { createExecutionContext, waitOnExecutionContext } = await import('cloudflare:test');
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(url), { ...env, ...overrides } as never, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}
