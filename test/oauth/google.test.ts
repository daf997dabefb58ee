import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CallOptions, get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { login, registerVerified, sql, uniqueEmail } from '../helpers/users';
import {
  codeVerifier,
  dbState,
  fakeGoogle,
  fakeNetwork,
  GOOGLE_REDIRECT,
  GOOGLE_TOKEN_URL,
  GOOGLE_USERINFO_URL,
  type GoogleAccount,
  googleAccount,
  OAUTH_ENV,
} from './fake-providers';

const net = fakeNetwork();
let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
  net.install();
});
afterEach(() => {
  net.reset();
  logs.restore();
});

const signIn = (body: Record<string, unknown>, options: CallOptions = {}) =>
  post('oauth/google/', body, { ...options, env: { ...OAUTH_ENV, ...options.env } });
const withGoogle = (account: GoogleAccount, extra: Record<string, unknown> = {}) => {
  fakeGoogle(net, account);
  return signIn({ code: account.code, redirect_uri: GOOGLE_REDIRECT, ...extra });
};

describe('POST oauth/google/', () => {
  it('creates a verified, password-less user on the first sign-in', async () => {
    const account = googleAccount({ email: `Ada.Lovelace.${crypto.randomUUID().slice(0, 6)}@Example.com` });
    const response = await withGoogle(account);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toEqual({
      user: expect.objectContaining({
        email: account.email.toLowerCase(),
        username: account.email.split('@')[0],
        is_email_verified: true,
        role: 'STUDENT',
        mfa_enabled: false,
      }),
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{95}$/),
      expires_at: expect.any(String),
      message: 'Google authentication successful',
      is_new_user: true,
    });
    const row = await sql('SELECT password_hash, is_email_verified FROM users WHERE id = ?', body.user.id).first();
    expect(row).toEqual({ password_hash: null, is_email_verified: 1 });
    const link = await sql(
      'SELECT provider, provider_account_id, email FROM oauth_accounts WHERE user_id = ?',
      body.user.id,
    ).first();
    expect(link).toEqual({ provider: 'GOOGLE', provider_account_id: account.sub, email: account.email.toLowerCase() });
    expect((await json(await get('me', { token: body.access_token }))).id).toBe(body.user.id);

    const audit = await sql(
      "SELECT details FROM audit_log WHERE user_id = ? AND event = 'user.registered'",
      body.user.id,
    ).first<{ details: string }>();
    expect(JSON.parse(audit!.details)).toMatchObject({ method: 'oauth_google', provider_account_id: account.sub });
    const history = await sql('SELECT method, success FROM login_history WHERE user_id = ?', body.user.id).first();
    expect(history).toEqual({ method: 'oauth_google', success: 1 });
  });

  it('signs the same Google account in again by its id, even after its email changed', async () => {
    const account = googleAccount();
    const first = await json(await withGoogle(account));
    const again = googleAccount({ sub: account.sub, email: uniqueEmail('renamed') });
    const response = await withGoogle(again);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.is_new_user).toBe(false);
    expect(body.user.id).toBe(first.user.id);
    expect(body.user.email).toBe(account.email);
  });

  it('links a verified Google email to the existing verified account with that email', async () => {
    const user = await registerVerified();
    const account = googleAccount({ email: user.email.toUpperCase() });
    const body = await json(await withGoogle(account));
    expect(body).toMatchObject({ is_new_user: false, user: { id: user.id, email: user.email } });
    const link = await sql('SELECT provider_account_id FROM oauth_accounts WHERE user_id = ?', user.id).first();
    expect(link).toEqual({ provider_account_id: account.sub });
    const audit = await sql(
      "SELECT details FROM audit_log WHERE user_id = ? AND event = 'oauth.linked'",
      user.id,
    ).first<{ details: string }>();
    expect(JSON.parse(audit!.details)).toEqual({
      provider: 'GOOGLE',
      provider_account_id: account.sub,
      via: 'verified_email',
    });
    // The password keeps working alongside Google.
    await login(user.email, PASSWORD);
  });

  it('does not match or create anything from an email Google has not verified', async () => {
    const user = await registerVerified();
    const before = await dbState();
    for (const email of [user.email, uniqueEmail('fresh')]) {
      const body = await problem(
        await withGoogle(googleAccount({ email, email_verified: false })),
        400,
        'oauth_email_unverified',
      );
      expect(body.detail).toMatch(/no verified email/i);
    }
    expect(await dbState()).toEqual(before);
  });

  it('derives a unique username when the natural one is taken, case-insensitively', async () => {
    const local = `grace.hopper.${crypto.randomUUID().slice(0, 6)}`;
    const first = await json(await withGoogle(googleAccount({ email: `${local}@example.com` })));
    const second = await json(await withGoogle(googleAccount({ email: `${local.toUpperCase()}@example.org` })));
    expect(first.user.username).toBe(local);
    expect(second.user.username).toMatch(new RegExp(`^${local.toUpperCase().replace(/\./g, '\\.')}_\\d{4}$`));
    expect(second.user.username.length).toBeLessThanOrEqual(30);
  });

  it('sends the code, client credentials and redirect_uri to Google, then reads userinfo with the access token', async () => {
    const account = googleAccount();
    expect((await withGoogle(account)).status).toBe(200);
    const [token, userinfo] = net.seen;
    expect(token!.url).toBe(GOOGLE_TOKEN_URL);
    expect(Object.fromEntries(token!.form)).toEqual({
      grant_type: 'authorization_code',
      code: account.code,
      client_id: OAUTH_ENV.GOOGLE_CLIENT_ID,
      client_secret: OAUTH_ENV.GOOGLE_CLIENT_SECRET,
      redirect_uri: GOOGLE_REDIRECT,
    });
    expect(userinfo!.url).toBe(GOOGLE_USERINFO_URL);
    expect(userinfo!.headers.get('Authorization')).toBe(`Bearer ${account.accessToken}`);
  });

  it('passes the PKCE code_verifier through to Google', async () => {
    const verifier = codeVerifier();
    const account = googleAccount({ codeVerifier: verifier });
    expect((await withGoogle(account, { code_verifier: verifier })).status).toBe(200);
    expect(net.seen[0]!.form.get('code_verifier')).toBe(verifier);
    // Google refuses a PKCE-bound code without its verifier: that is a bad code, not a crash.
    const other = googleAccount({ codeVerifier: codeVerifier() });
    await problem(await withGoogle(other), 400, 'invalid_oauth_code');
  });

  it('accepts only a redirect_uri listed in OAUTH_REDIRECT_URIS, exactly, before calling Google', async () => {
    const account = googleAccount();
    fakeGoogle(net, account);
    for (const redirect_uri of [
      'https://evil.example/auth/callback/google',
      `${GOOGLE_REDIRECT}/`,
      `${GOOGLE_REDIRECT}?next=/admin`,
      GOOGLE_REDIRECT.toUpperCase(),
      'http://localhost:3000/auth/callback/github.evil',
    ]) {
      const body = await problem(await signIn({ code: account.code, redirect_uri }), 400, 'validation_failed');
      expect(body.errors).toEqual([{ field: 'redirect_uri', message: 'Not an allowed redirect URI' }]);
    }
    const missing = await problem(await signIn({ code: account.code }), 400, 'validation_failed');
    expect(missing.errors[0].field).toBe('redirect_uri');
    expect(net.seen).toEqual([]);
  });

  it('rejects malformed bodies and unknown fields, __proto__ included', async () => {
    const redirect = JSON.stringify(GOOGLE_REDIRECT);
    const cases: [string, string][] = [
      [`{"redirect_uri":${redirect}}`, 'code'],
      [`{"code":"","redirect_uri":${redirect}}`, 'code'],
      [`{"code":"abc","redirect_uri":${redirect},"code_verifier":"short"}`, 'code_verifier'],
      [`{"code":"abc","redirect_uri":${redirect},"remember_me":true}`, 'remember_me'],
      [`{"code":"abc","redirect_uri":${redirect},"__proto__":{"admin":true}}`, '__proto__'],
    ];
    for (const [rawBody, field] of cases) {
      const response = await post('oauth/google', undefined, {
        env: OAUTH_ENV,
        rawBody,
        headers: { 'Content-Type': 'application/json' },
      });
      const body = await problem(response, 400, 'validation_failed');
      expect(body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    expect(net.seen).toEqual([]);
  });

  it('answers a bad, used or expired code with 400 invalid_oauth_code and changes nothing', async () => {
    const account = googleAccount();
    fakeGoogle(net, account);
    const before = await dbState();
    const body = await problem(
      await signIn({ code: '4/0Ab-some-other-code', redirect_uri: GOOGLE_REDIRECT }),
      400,
      'invalid_oauth_code',
    );
    expect(body.detail).toMatch(/invalid, expired or already used/);
    expect(await dbState()).toEqual(before);
  });

  const outages: [string, () => void][] = [
    ['token endpoint 503', () => net.on('POST', GOOGLE_TOKEN_URL, { status: 503, text: 'unavailable' })],
    ['token endpoint unreachable', () => net.on('POST', GOOGLE_TOKEN_URL, { fail: 'network' })],
    ['token endpoint answering HTML', () => net.on('POST', GOOGLE_TOKEN_URL, { status: 200, text: '<html>' })],
    ['userinfo 500', () => net.on('GET', GOOGLE_USERINFO_URL, { status: 500, body: {} })],
    ['userinfo without sub', () => net.on('GET', GOOGLE_USERINFO_URL, { status: 200, body: { email: 'x@y.z' } })],
    ['userinfo unreachable', () => net.on('GET', GOOGLE_USERINFO_URL, { fail: 'network' })],
  ];
  for (const [name, breakIt] of outages) {
    it(`answers 502 provider_unavailable when Google fails: ${name}`, async () => {
      const account = googleAccount();
      fakeGoogle(net, account);
      breakIt();
      const before = await dbState();
      const response = await signIn({ code: account.code, redirect_uri: GOOGLE_REDIRECT });
      const body = await problem(response, 502, 'provider_unavailable');
      expect(body.detail).toMatch(/Google could not complete the sign-in/);
      expect(await dbState()).toEqual(before);
    });
  }

  it('gives up on a Google that never answers after OAUTH_TIMEOUT_MS', async () => {
    const account = googleAccount();
    fakeGoogle(net, account);
    net.on('POST', GOOGLE_TOKEN_URL, { fail: 'hang' });
    const started = Date.now();
    const response = await signIn(
      { code: account.code, redirect_uri: GOOGLE_REDIRECT },
      { env: { OAUTH_TIMEOUT_MS: '150' } },
    );
    await problem(response, 502, 'provider_unavailable');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(logs.lines.some((line) => line.includes('"reason":"timeout"'))).toBe(true);
  });

  it('treats Google refusing our client credentials as a server-side 502, logged for the operator', async () => {
    const account = googleAccount();
    fakeGoogle(net, account);
    const response = await signIn(
      { code: account.code, redirect_uri: GOOGLE_REDIRECT },
      { env: { GOOGLE_CLIENT_SECRET: 'GOCSPX-rotated-away' } },
    );
    await problem(response, 502, 'provider_unavailable');
    const line = logs.lines.find((entry) => entry.includes('oauth provider call failed'));
    expect(JSON.parse(line!)).toMatchObject({ kind: 'client_rejected', error: 'invalid_client', stage: 'token' });
  });

  it('answers 501 provider_not_configured without client id and secret, and the rest of the service still runs', async () => {
    const githubOnly = { GITHUB_CLIENT_ID: 'Iv1.x', GITHUB_CLIENT_SECRET: 'y', OAUTH_REDIRECT_URIS: GOOGLE_REDIRECT };
    for (const env of [
      { ...OAUTH_ENV, GOOGLE_CLIENT_ID: '' },
      { ...OAUTH_ENV, GOOGLE_CLIENT_SECRET: '  ' },
      githubOnly,
    ]) {
      const response = await post('oauth/google', { code: 'abc', redirect_uri: GOOGLE_REDIRECT }, { env });
      const body = await problem(response, 501, 'provider_not_configured');
      expect(body.detail).toBe('Sign-in with Google is not configured on this server');
    }
    // No OAuth variables at all (the default test environment): 501, and login still works.
    await problem(
      await post('oauth/google', { code: 'abc', redirect_uri: GOOGLE_REDIRECT }),
      501,
      'provider_not_configured',
    );
    await login((await registerVerified()).email);
    expect(net.seen).toEqual([]);
  });

  it('sends a user with MFA to the MFA step (428) and links nothing yet', async () => {
    const user = await registerVerified();
    await sql('UPDATE users SET mfa_enabled = 1 WHERE id = ?', user.id).run();
    const before = await dbState();
    const body = await problem(await withGoogle(googleAccount({ email: user.email })), 428, 'mfa_required');
    expect(body).toMatchObject({
      requires_mfa: true,
      user_id: user.id,
      mfa_token: expect.stringMatching(/^[\w-]{43}$/),
    });
    expect(body.access_token).toBeUndefined();
    expect(await dbState()).toEqual(before);

    // An account linked earlier gets the same 428.
    const linked = googleAccount();
    const created = await json(await withGoogle(linked));
    await sql('UPDATE users SET mfa_enabled = 1 WHERE id = ?', created.user.id).run();
    const again = await problem(await withGoogle({ ...linked, code: `${linked.code}-2` }), 428, 'mfa_required');
    expect(again.user_id).toBe(created.user.id);
  });

  it('refuses suspended and disabled accounts with 403, however they are found', async () => {
    const linked = googleAccount();
    const created = await json(await withGoogle(linked));
    await sql('UPDATE users SET is_suspended = 1 WHERE id = ?', created.user.id).run();
    await problem(await withGoogle({ ...linked, code: `${linked.code}-2` }), 403, 'account_suspended');

    const byEmail = await registerVerified();
    await sql('UPDATE users SET is_active = 0 WHERE id = ?', byEmail.id).run();
    const before = await dbState();
    await problem(await withGoogle(googleAccount({ email: byEmail.email })), 403, 'account_disabled');
    expect(await dbState()).toEqual(before);
  });

  it('is rate limited per client IP, before Google is called', async () => {
    const headers = { 'CF-Connecting-IP': '198.51.100.71' };
    const env = { RATE_LIMIT_LOGIN_IP: '1/60' };
    const account = googleAccount();
    fakeGoogle(net, account);
    await signIn({ code: account.code, redirect_uri: GOOGLE_REDIRECT }, { headers, env });
    const calls = net.seen.length;
    await problem(
      await signIn({ code: account.code, redirect_uri: GOOGLE_REDIRECT }, { headers, env }),
      429,
      'rate_limited',
    );
    expect(net.seen.length).toBe(calls);
  });

  it('never writes the code, verifier, client secret or any token to the log', async () => {
    const verifier = codeVerifier();
    const account = googleAccount({ codeVerifier: verifier });
    const body = await json(await withGoogle(account, { code_verifier: verifier }));
    await signIn({ code: '4/0Ab-wrong-code-value', redirect_uri: GOOGLE_REDIRECT, code_verifier: verifier });
    await signIn(
      { code: account.code, redirect_uri: GOOGLE_REDIRECT },
      { env: { GOOGLE_CLIENT_SECRET: 'GOCSPX-wrong' } },
    );
    const joined = logs.lines.join('\n');
    expect(joined).toContain('oauth provider call failed');
    for (const secret of [
      account.code,
      '4/0Ab-wrong-code-value',
      verifier,
      account.accessToken,
      OAUTH_ENV.GOOGLE_CLIENT_SECRET,
      'GOCSPX-wrong',
      body.access_token,
      body.refresh_token,
    ]) {
      expect(joined).not.toContain(secret);
    }
    const audit = await sql('SELECT group_concat(details) AS details FROM audit_log').first<{ details: string }>();
    expect(audit!.details).not.toContain(account.code);
    expect(audit!.details).not.toContain(account.accessToken);
  });
});
