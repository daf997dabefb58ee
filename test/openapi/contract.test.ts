import { describe, expect, it } from 'vitest';
import { checkedAsRead } from '../helpers/api';
import { contract } from '../helpers/app-contract';

/** The checker every call() goes through: it must refuse what the document does not declare. */

const user = {
  id: '6f1c1f8e-6d5a-4a8e-9d3e-2f3c4b5a6d7e',
  username: 'johndoe',
  email: 'user@example.com',
  role: 'STUDENT',
  is_email_verified: true,
  is_active: true,
  is_suspended: false,
  mfa_enabled: false,
  last_login_at: null,
  created_at: '2026-09-01T10:00:00.000Z',
  locale: 'en',
};

function answer(status: number, body: unknown, type = 'application/json') {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': type } });
}

function problemBody(status: number, code: string, extra: Record<string, unknown> = {}) {
  return { type: `urn:auth-service:problem:${code}`, title: code, status, detail: code, code, ...extra };
}

const me = { method: 'GET', url: 'https://auth.test/api/auth/me/' };

describe('the contract check', () => {
  it('accepts a declared status with a body of its schema, trailing slash or not', async () => {
    expect(await contract().violations(me, answer(200, user))).toEqual([]);
    expect(await contract().violations({ ...me, url: 'https://auth.test/api/auth/me' }, answer(200, user))).toEqual([]);
  });

  it.each([
    ['an undeclared status', answer(418, user), /answered 418, which it does not declare/],
    ['a missing member', answer(200, { ...user, email: undefined }), /required property "email"/],
    ['an undeclared member', answer(200, { ...user, password_hash: 'x' }), /password_hash/],
    ['a wrong type', answer(200, { ...user, mfa_enabled: 'no' }), /\/mfa_enabled/],
    ['a broken format', answer(200, { ...user, created_at: '2026-09-01 10:00:00' }), /\/created_at/],
    ['an undeclared media type', answer(200, user, 'text/plain'), /media type "text\/plain" not declared/],
    ['a problem as plain JSON', answer(401, problemBody(401, 'unauthorized')), /media type "application\/json"/],
    [
      'a body that is not JSON',
      new Response('{', { status: 200, headers: { 'Content-Type': 'application/json' } }),
      /not JSON/,
    ],
  ])('refuses %s', async (_name, response, message) => {
    const found = await contract().violations(me, response);
    expect(found.join('\n')).toMatch(message);
  });

  it('reads extended problems (allOf) as one closed object', async () => {
    const login = { method: 'POST', url: 'https://auth.test/api/auth/login/' };
    const locked = problemBody(423, 'account_locked', { locked_until: '2026-12-01T10:00:00.000Z' });
    const type = 'application/problem+json';
    expect(await contract().violations(login, answer(423, locked, type))).toEqual([]);
    const invalid = problemBody(400, 'validation_failed', { errors: [{ field: 'email', message: 'Required' }] });
    expect(await contract().violations(login, answer(400, invalid, type))).toEqual([]);
    expect((await contract().violations(login, answer(423, { ...locked, locked_until: 5 }, type))).join()).toMatch(
      /locked_until/,
    );
    expect((await contract().violations(login, answer(400, { ...invalid, secret: 1 }, type))).join()).toMatch(/secret/);
  });

  it('matches path templates and tells operations apart by method', async () => {
    const session = { method: 'DELETE', url: `https://auth.test/api/auth/sessions/${user.id}/` };
    expect(contract().operationFor('DELETE', new URL(session.url).pathname)?.template).toBe('/api/auth/sessions/{id}');
    expect(contract().operationFor('GET', new URL(session.url).pathname)).toBeUndefined();
    expect(contract().operationFor('HEAD', '/api/auth/me')?.template).toBe('/api/auth/me');
  });

  it('holds unrouted requests to the global not-found problem and the middleware problems', async () => {
    const unknown = { method: 'GET', url: 'https://auth.test/api/auth/nowhere' };
    const type = 'application/problem+json';
    expect(await contract().violations(unknown, answer(404, problemBody(404, 'not_found'), type))).toEqual([]);
    expect((await contract().violations(unknown, answer(200, user))).join()).toMatch(/only 400, 404, 413, 415, 503/);
    expect((await contract().violations(unknown, answer(404, { error: 'nope' }, type))).join()).toMatch(/schema/);
    const head = { method: 'HEAD', url: 'https://auth.test/api/auth/login' };
    expect(await contract().violations(head, new Response(null, { status: 404 }))).toEqual([]);
    expect((await contract().violations(head, new Response(null, { status: 200 }))).join()).toMatch(/only 400, 404/);
    const preflight = { method: 'OPTIONS', url: 'https://auth.test/api/auth/login/' };
    expect(await contract().violations(preflight, new Response(null, { status: 204 }))).toEqual([]);
    expect((await contract().violations(preflight, answer(200, user))).join()).toMatch(/only 400, 404/);
  });

  it('leaves the browser routes it names to their own tests, but never lets them answer a 5xx other than 503', async () => {
    const page = new Response('<!doctype html>', { status: 200, headers: { 'Content-Type': 'text/html' } });
    const redirect = new Response(null, { status: 302, headers: { Location: 'https://lms.example/auth' } });
    const consolePage = { method: 'GET', url: 'https://auth.test/account/sessions' };
    expect(await contract().violations(consolePage, page)).toEqual([]);
    expect(await contract().violations({ method: 'GET', url: 'https://auth.test/lti/login/' }, redirect)).toEqual([]);
    expect(
      await contract().violations({ method: 'POST', url: 'https://auth.test/lti/launch' }, answer(503, {})),
    ).toEqual([]);
    expect((await contract().violations(consolePage, answer(500, {}))).join()).toMatch(/browser route\) answered 500/);
    // Only the routes listed: another path or method under /lti/ is held to the not-found problem.
    for (const unlisted of [
      { method: 'GET', url: 'https://auth.test/lti/launch' },
      { method: 'GET', url: 'https://auth.test/lti/other' },
      { method: 'DELETE', url: 'https://auth.test/account/sessions' },
      { method: 'GET', url: 'https://auth.test/accounts' },
    ]) {
      expect((await contract().violations(unlisted, page)).join(), unlisted.url).toMatch(/only 400, 404/);
    }
  });

  it('checks a streamed body once the test has read it all (call() with `streamed`)', async () => {
    const request = new Request(me.url);
    expect(await checkedAsRead(request, answer(200, user)).json()).toEqual(user);
    const leaked = checkedAsRead(request, answer(200, { ...user, password_hash: 'x' }));
    await expect(leaked.text()).rejects.toThrow(/contract violation[\s\S]*password_hash/);
  });
});
