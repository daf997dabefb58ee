import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BASE, type CallOptions, call, del, get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { userWithMfa } from '../helpers/mfa';
import { assertion, passkeySignIn, withPasskey } from '../helpers/passkeys';
import { advanceClock, sessionIdOf, sessionRow } from '../helpers/sessions';
import { registerVerified, signedInUser } from '../helpers/users';
import { fakeGoogle, fakeNetwork, GOOGLE_REDIRECT, googleAccount, OAUTH_ENV } from '../oauth/fake-providers';

const APP = 'https://app.example';
const COOKIE_MODE = { REFRESH_COOKIE: 'true', CORS_ORIGINS: `${APP},https://other.example` };
const cookieMode = (options: CallOptions = {}): CallOptions => ({
  ...options,
  env: { ...COOKIE_MODE, ...options.env },
});
const fromApp = (extra: Record<string, string> = {}) => ({ Origin: APP, ...extra });

const net = fakeNetwork();
beforeEach(() => {
  captureConsole();
  net.install();
});
afterEach(() => {
  net.reset();
  vi.useRealTimers();
});

interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

/** Every Set-Cookie of a response, parsed as a browser would read its attributes. */
function setCookies(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map((header) => {
    const [pair = '', ...rest] = header.split(';').map((part) => part.trim());
    const at = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const attribute of rest) {
      const [key = '', ...value] = attribute.split('=');
      attributes[key.toLowerCase()] = value.length > 0 ? value.join('=') : true;
    }
    return { name: pair.slice(0, at), value: pair.slice(at + 1), attributes };
  });
}

function onlyCookie(response: Response): SetCookie {
  const cookies = setCookies(response);
  expect(cookies).toHaveLength(1);
  return cookies[0]!;
}

const cookieHeader = (value: string, name = '__Host-refresh_token') => `${name}=${value}`;

/** A refresh that presents only the cookie (an empty body, as a cookie SPA posts it). */
const refreshByCookie = (value: string, headers: Record<string, string> = fromApp(), options: CallOptions = {}) =>
  call('POST', '/api/auth/refresh/', cookieMode({ ...options, headers: { Cookie: cookieHeader(value), ...headers } }));

async function cookieLogin(options: CallOptions = {}, extra: Record<string, unknown> = {}) {
  const user = await registerVerified();
  const response = await post('login/', { email: user.email, password: PASSWORD, ...extra }, cookieMode(options));
  expect(response.status).toBe(200);
  const cookie = onlyCookie(response);
  return { user, cookie, body: await json(response) };
}

describe('REFRESH_COOKIE=true: sign-ins set the refresh cookie', () => {
  it('login/ sets a __Host- cookie: HttpOnly, Secure, SameSite=Strict, Path=/, no Domain, until the session ends', async () => {
    const { cookie, body } = await cookieLogin();
    expect(cookie.name).toBe('__Host-refresh_token');
    expect(cookie.value).toBe(body.refresh_token);
    expect(cookie.attributes).toEqual({
      path: '/',
      'max-age': expect.stringMatching(/^\d+$/),
      httponly: true,
      secure: true,
      samesite: 'Strict',
    });
    // A 24-hour session: the cookie lives as long, not longer.
    expect(Number(cookie.attributes['max-age'])).toBeGreaterThan(24 * 3600 - 60);
    expect(Number(cookie.attributes['max-age'])).toBeLessThanOrEqual(24 * 3600);
  });

  it('with REFRESH_COOKIE_DOMAIN: a __Secure- cookie for the domain, scoped to the refresh path, SameSite as configured', async () => {
    const { cookie } = await cookieLogin(
      { env: { REFRESH_COOKIE_DOMAIN: 'Example.com', REFRESH_COOKIE_SAME_SITE: 'Lax' } },
      { remember_me: true },
    );
    expect(cookie.name).toBe('__Secure-refresh_token');
    expect(cookie.attributes).toMatchObject({
      domain: 'example.com',
      path: '/api/auth/refresh',
      httponly: true,
      secure: true,
      samesite: 'Lax',
    });
    expect(Number(cookie.attributes['max-age'])).toBeGreaterThan(30 * 24 * 3600 - 60);
  });

  it('login/mfa/ and OAuth sign-ins set it too; a 428 does not', async () => {
    const user = await userWithMfa();
    const challenge = await post('login/', { email: user.email, password: PASSWORD }, cookieMode());
    expect(challenge.status).toBe(428);
    expect(setCookies(challenge)).toEqual([]);
    const second = await post(
      'login/mfa/',
      { mfa_token: (await json(challenge)).mfa_token, mfa_code: user.backupCodes[0] },
      cookieMode(),
    );
    expect(second.status).toBe(200);
    expect(onlyCookie(second).value).toBe((await json(second)).refresh_token);

    const account = googleAccount();
    fakeGoogle(net, account);
    const oauth = await post(
      'oauth/google/',
      { code: account.code, redirect_uri: GOOGLE_REDIRECT },
      { env: { ...OAUTH_ENV, ...COOKIE_MODE } },
    );
    expect(oauth.status).toBe(200);
    expect(onlyCookie(oauth)).toMatchObject({ name: '__Host-refresh_token', value: (await json(oauth)).refresh_token });
  });

  it('passkey sign-ins set it too (every sign-in hands tokens out in the same place)', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    const response = await passkeySignIn(await assertion(authenticator), {}, cookieMode());
    expect(response.status).toBe(200);
    expect(onlyCookie(response)).toMatchObject({
      name: '__Host-refresh_token',
      value: (await json(response)).refresh_token,
    });
  });

  it('sets nothing on a failed sign-in, nor without cookie mode', async () => {
    const user = await registerVerified();
    const wrong = await post('login/', { email: user.email, password: 'Wrong-Password1!' }, cookieMode());
    await problem(wrong, 400, 'invalid_credentials');
    expect(setCookies(wrong)).toEqual([]);
    const plain = await post('login/', { email: user.email, password: PASSWORD });
    expect(plain.status).toBe(200);
    expect(setCookies(plain)).toEqual([]);
  });
});

describe('REFRESH_COOKIE=true: refresh/ by cookie', () => {
  it('refreshes with the cookie from an allowed Origin, answering the new token in the cookie only', async () => {
    const { cookie } = await cookieLogin();
    const response = await refreshByCookie(cookie.value);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_at', 'session_token']);
    expect((await get('me', { token: body.access_token })).status).toBe(200);
    const next = onlyCookie(response);
    expect(next.name).toBe('__Host-refresh_token');
    expect(next.value).not.toBe(cookie.value);
    expect(sessionIdOf(next.value)).toBe(sessionIdOf(cookie.value));
    // Two tabs sending the old cookie at once converge on the same new one, as with body tokens.
    expect(onlyCookie(await refreshByCookie(cookie.value)).value).toBe(next.value);
    expect((await refreshByCookie(next.value)).status).toBe(200);
  });

  it('accepts the API’s own origin (same-origin pages) and answers CORS with credentials', async () => {
    const { cookie } = await cookieLogin();
    expect((await refreshByCookie(cookie.value, { Origin: 'https://auth.test' })).status).toBe(200);
    const { cookie: second } = await cookieLogin();
    const response = await refreshByCookie(second.value);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(APP);
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBe('true');
  });

  it('refuses a cookie without an Origin or from another origin (CSRF): 403, the session untouched', async () => {
    const { cookie } = await cookieLogin();
    const origins: Record<string, string>[] = [{}, { Origin: 'https://evil.example' }, { Origin: 'null' }];
    for (const headers of origins) {
      const response = await refreshByCookie(cookie.value, headers);
      await problem(response, 403, 'forbidden');
      expect(setCookies(response)).toEqual([]);
    }
    const row = await sessionRow(sessionIdOf(cookie.value));
    expect(row).toMatchObject({ revoked_at: null, refresh_generation: 0 });
    expect((await refreshByCookie(cookie.value)).status).toBe(200);
  });

  it('clears a refused cookie (revoked, unknown) and answers 401', async () => {
    const { cookie, body } = await cookieLogin();
    await del(`sessions/${sessionIdOf(cookie.value)}/`, { token: body.access_token });
    const refused = await refreshByCookie(cookie.value);
    await problem(refused, 401, 'invalid_refresh_token');
    expect(onlyCookie(refused)).toMatchObject({
      name: '__Host-refresh_token',
      value: '',
      attributes: { 'max-age': '0' },
    });
    const unknown = await refreshByCookie('A'.repeat(43));
    await problem(unknown, 401, 'invalid_refresh_token');
    expect(onlyCookie(unknown).attributes['max-age']).toBe('0');
  });

  it('answers 401 without any token in cookie mode, and 400 as before without cookie mode', async () => {
    await problem(
      await call(
        'POST',
        '/api/auth/refresh/',
        cookieMode({ headers: fromApp({ 'Content-Type': 'application/json' }) }),
      ),
      401,
      'invalid_refresh_token',
    );
    const { cookie } = await cookieLogin();
    // Cookie mode off: a cookie is not a token, the body's stays required.
    const ignored = await call('POST', '/api/auth/refresh/', {
      headers: { Cookie: cookieHeader(cookie.value), ...fromApp() },
    });
    const body = await problem(ignored, 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'refresh_token', message: 'Required' }]);
  });

  it('keeps the body flow unchanged in cookie mode: the body token wins, and the answer carries it', async () => {
    const { cookie, body } = await cookieLogin();
    const response = await post('refresh/', { refresh_token: body.refresh_token }, cookieMode());
    expect(response.status).toBe(200);
    const answer = await json(response);
    expect(Object.keys(answer).sort()).toEqual(['access_token', 'expires_at', 'refresh_token', 'session_token']);
    expect(onlyCookie(response).value).toBe(answer.refresh_token);
    // The cookie held the same (now rotated) token: it converges inside the grace window, then is reuse.
    expect(onlyCookie(await refreshByCookie(cookie.value)).value).toBe(answer.refresh_token);
    advanceClock(31_000);
    await problem(await refreshByCookie(cookie.value), 401, 'invalid_refresh_token');
    expect((await sessionRow(sessionIdOf(cookie.value))).revoked_reason).toBe('refresh_reuse');
  });
});

describe('REFRESH_COOKIE=true: logout and revocations clear the cookie', () => {
  it('logout/ clears it', async () => {
    const { body } = await cookieLogin();
    const response = await post('logout/', undefined, cookieMode({ token: body.access_token, headers: fromApp() }));
    expect(response.status).toBe(200);
    const cleared = onlyCookie(response);
    expect(cleared).toEqual({
      name: '__Host-refresh_token',
      value: '',
      attributes: { path: '/', 'max-age': '0', httponly: true, secure: true, samesite: 'Strict' },
    });
  });

  it('revoking the current session clears it; revoking another does not', async () => {
    const { user, body } = await cookieLogin();
    const other = await json(await post('login/', { email: user.email, password: PASSWORD }, cookieMode()));
    const otherId = sessionIdOf(other.refresh_token);
    const revokeOther = await del(`sessions/${otherId}/`, cookieMode({ token: body.access_token }));
    expect(revokeOther.status).toBe(200);
    expect(setCookies(revokeOther)).toEqual([]);
    const revokeOwn = await del(
      `sessions/${sessionIdOf(body.refresh_token)}/`,
      cookieMode({ token: body.access_token }),
    );
    expect(revokeOwn.status).toBe(200);
    expect(onlyCookie(revokeOwn).attributes['max-age']).toBe('0');
  });
});

describe('CORS with credentials', () => {
  const preflight = (origin: string, env: Record<string, string>) =>
    call('OPTIONS', '/api/auth/refresh/', {
      env,
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });

  it('allows credentials for listed origins only, and only in cookie mode', async () => {
    const allowed = await preflight(APP, COOKIE_MODE);
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe(APP);
    expect(allowed.headers.get('Access-Control-Allow-Credentials')).toBe('true');
    const other = await preflight('https://evil.example', COOKIE_MODE);
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(other.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    const bodyMode = await preflight(APP, { CORS_ORIGINS: APP });
    expect(bodyMode.headers.get('Access-Control-Allow-Origin')).toBe(APP);
    expect(bodyMode.headers.get('Access-Control-Allow-Credentials')).toBeNull();
  });
});

describe('cookie-mode configuration', () => {
  it('refuses a malformed REFRESH_COOKIE_DOMAIN or SameSite value at start-up', async () => {
    for (const env of [
      { REFRESH_COOKIE_DOMAIN: 'https://example.com' },
      { REFRESH_COOKIE_DOMAIN: 'localhost' },
      { REFRESH_COOKIE_SAME_SITE: 'strict-ish' },
      { REFRESH_COOKIE: 'yes' },
    ]) {
      await problem(await get('health/', { env: { ...COOKIE_MODE, ...env } }), 503, 'service_unavailable');
    }
  });
});

describe('default configuration: the service’s own origin (the account console) gets the cookie', () => {
  const OWN = { Origin: BASE };

  it('a sign-in from the own origin sets the host-only cookie, the JSON body unchanged; another origin gets none', async () => {
    const user = await registerVerified();
    const own = await post('login/', { email: user.email, password: PASSWORD }, { headers: OWN });
    expect(own.status).toBe(200);
    const body = await json(own);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_at', 'message', 'refresh_token', 'user']);
    expect(onlyCookie(own)).toEqual({
      name: '__Host-refresh_token',
      value: body.refresh_token,
      attributes: {
        path: '/',
        'max-age': expect.stringMatching(/^\d+$/),
        httponly: true,
        secure: true,
        samesite: 'Strict',
      },
    });
    const others: Record<string, string>[] = [{ Origin: APP }, { Origin: 'http://auth.test' }, {}];
    for (const headers of others) {
      const other = await post('login/', { email: user.email, password: PASSWORD }, { headers });
      expect(other.status).toBe(200);
      expect(setCookies(other)).toEqual([]);
    }
  });

  it('refreshes by cookie from the own origin: the new token in the cookie only; logout clears it', async () => {
    const user = await registerVerified();
    const login = await post('login/', { email: user.email, password: PASSWORD }, { headers: OWN });
    const first = onlyCookie(login);
    const response = await call('POST', '/api/auth/refresh/', {
      headers: { Cookie: cookieHeader(first.value), ...OWN },
    });
    expect(response.status).toBe(200);
    const answer = await json(response);
    expect(Object.keys(answer).sort()).toEqual(['access_token', 'expires_at', 'session_token']);
    const next = onlyCookie(response);
    expect(next.value).not.toBe(first.value);
    expect(sessionIdOf(next.value)).toBe(sessionIdOf(first.value));
    // No CORS credentials are needed (or given) on the own origin.
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBeNull();

    const logout = await post('logout/', undefined, { token: answer.access_token, headers: OWN });
    expect(logout.status).toBe(200);
    expect(onlyCookie(logout)).toMatchObject({
      name: '__Host-refresh_token',
      value: '',
      attributes: { 'max-age': '0' },
    });
    await problem(
      await call('POST', '/api/auth/refresh/', { headers: { Cookie: cookieHeader(next.value), ...OWN } }),
      401,
      'invalid_refresh_token',
    );
  });

  it('refuses a cookie-only refresh from a foreign or missing Origin (CSRF): the cookie is not read, the session untouched', async () => {
    const user = await registerVerified();
    const cookie = onlyCookie(await post('login/', { email: user.email, password: PASSWORD }, { headers: OWN }));
    const foreign: Record<string, string>[] = [{ Origin: 'https://evil.example' }, { Origin: 'null' }, {}];
    for (const headers of foreign) {
      const refused = await call('POST', '/api/auth/refresh/', {
        headers: { Cookie: cookieHeader(cookie.value), ...headers },
      });
      const body = await problem(refused, 400, 'validation_failed');
      expect(body.errors).toEqual([{ field: 'refresh_token', message: 'Required' }]);
      expect(setCookies(refused)).toEqual([]);
    }
    expect(await sessionRow(sessionIdOf(cookie.value))).toMatchObject({ revoked_at: null, refresh_generation: 0 });
  });

  it('the own origin without any cookie: 401, like cookie mode', async () => {
    await problem(await call('POST', '/api/auth/refresh/', { headers: OWN }), 401, 'invalid_refresh_token');
  });
});
