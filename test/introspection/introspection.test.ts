import { env } from 'cloudflare:workers';
import { importJWK, type JWK, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, json, post, problem } from '../helpers/api';
import { signedInUser, sql } from '../helpers/users';

const CLIENTS = { INTROSPECTION_CREDENTIALS: 'billing:billing-secret-1,forum:forum-secret-2-longer' };
const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`;

function introspect(token: string, authorization = basic('billing', 'billing-secret-1')) {
  return call('POST', '/api/auth/introspect/', {
    body: { token },
    headers: { Authorization: authorization },
    env: CLIENTS,
  });
}

afterEach(() => vi.useRealTimers());

describe('POST introspect/', () => {
  it('describes a live access token in the RFC 7662 shape, with the current role', async () => {
    const user = await signedInUser();
    const body = await json(await introspect(user.access_token));
    expect(body).toEqual({
      active: true,
      token_type: 'access_token',
      sub: user.id,
      sid: expect.any(String),
      role: 'STUDENT',
      username: expect.any(String),
      email: user.email,
      mfa_enabled: false,
      iss: 'http://localhost:8001',
      aud: 'learning-platform',
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    await sql("UPDATE users SET role = 'STUDENT_PREMIUM' WHERE id = ?", user.id).run();
    expect((await json(await introspect(user.access_token))).role).toBe('STUDENT_PREMIUM');
    const forum = await introspect(user.access_token, basic('forum', 'forum-secret-2-longer'));
    expect((await json(forum)).active).toBe(true);
  });

  it('answers only {active:false} for revoked, expired, suspended and forged tokens', async () => {
    const revoked = await signedInUser();
    await post('logout', {}, { token: revoked.access_token });
    const suspended = await signedInUser();
    await sql('UPDATE users SET is_suspended = 1 WHERE id = ?', suspended.id).run();
    const expired = await signedInUser();
    const key = await importJWK(JSON.parse(env.JWT_PRIVATE_KEY as string) as JWK, 'EdDSA');
    const forged = await new SignJWT({ sid: crypto.randomUUID(), role: 'SUPER_ADMIN' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'test-current', typ: 'at+jwt' })
      .setSubject(crypto.randomUUID())
      .setIssuer('http://localhost:8001')
      .setAudience('learning-platform')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key);
    const cases = {
      revoked: revoked.access_token,
      suspended: suspended.access_token,
      forged,
      garbage: 'not-a-token',
      'refresh token': revoked.refresh_token,
    };
    for (const [name, token] of Object.entries(cases)) {
      expect(await json(await introspect(token)), name).toEqual({ active: false });
    }
    vi.useFakeTimers({ now: Date.now() + 16 * 60_000, toFake: ['Date'] });
    expect(await json(await introspect(expired.access_token))).toEqual({ active: false });
  });

  it('needs a configured service credential', async () => {
    const user = await signedInUser();
    for (const authorization of [
      '',
      basic('billing', 'wrong'),
      basic('forum', 'billing-secret-1'),
      'Basic !!!',
      `Bearer ${user.access_token}`,
    ]) {
      const response = await introspect(user.access_token, authorization);
      await problem(response, 401, 'unauthorized');
      expect(response.headers.get('WWW-Authenticate')).toBe('Basic realm="introspection"');
    }
    const unconfigured = await call('POST', '/api/auth/introspect', {
      body: { token: user.access_token },
      headers: { Authorization: basic('billing', 'billing-secret-1') },
    });
    await problem(unconfigured, 401, 'unauthorized');
  });

  it('validates the body', async () => {
    await problem(
      await call('POST', '/api/auth/introspect', {
        body: {},
        headers: { Authorization: basic('billing', 'billing-secret-1') },
        env: CLIENTS,
      }),
      400,
      'validation_failed',
    );
  });
});
