import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole, tokenFromLink } from '../helpers/mail';
import { registerVerified, sql, uniqueEmail, usernameFor } from '../helpers/users';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => logs.restore());

describe('POST login/', () => {
  it('signs a verified user in with the seed body', async () => {
    const user = await registerVerified();
    const response = await post('login/', { email: user.email.toUpperCase(), password: PASSWORD });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toEqual({
      user: expect.objectContaining({ id: user.id, email: user.email, is_email_verified: true }),
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{95}$/),
      expires_at: expect.any(String),
      message: 'Login successful',
    });
    expect(body.user.last_login_at).not.toBeNull();
    const ttl = Date.parse(body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
  });

  it('answers unknown email and wrong password identically', async () => {
    const user = await registerVerified();
    const wrong = await post('login', { email: user.email, password: 'Wrong-Password1!' });
    const unknown = await post('login', { email: uniqueEmail('ghost'), password: 'Wrong-Password1!' });
    const wrongBody = await problem(wrong, 400, 'invalid_credentials');
    expect(wrongBody).toEqual(await problem(unknown, 400, 'invalid_credentials'));
  });

  it('refuses an unverified account with 403 only after the right password', async () => {
    const email = uniqueEmail();
    await post('register', { email, username: usernameFor(email), password: PASSWORD, password_confirm: PASSWORD });
    await problem(await post('login', { email, password: PASSWORD }), 403, 'email_not_verified');
    await problem(await post('login', { email, password: 'Wrong-Password1!' }), 400, 'invalid_credentials');
  });

  it('refuses suspended and deactivated accounts with 403', async () => {
    const suspended = await registerVerified();
    await sql('UPDATE users SET is_suspended = 1 WHERE id = ?', suspended.id).run();
    await problem(await post('login', { email: suspended.email, password: PASSWORD }), 403, 'account_suspended');
    const disabled = await registerVerified();
    await sql('UPDATE users SET is_active = 0 WHERE id = ?', disabled.id).run();
    await problem(await post('login', { email: disabled.email, password: PASSWORD }), 403, 'account_disabled');
  });

  it('gives a 24 h session by default and 30 days with remember_me', async () => {
    const user = await registerVerified();
    await post('login', { email: user.email, password: PASSWORD });
    await post('login', { email: user.email, password: PASSWORD, remember_me: true });
    const rows = await sql(
      'SELECT remember_me, expires_at - created_at AS ttl FROM sessions WHERE user_id = ? ORDER BY remember_me',
      user.id,
    ).all<{ remember_me: number; ttl: number }>();
    expect(rows.results).toEqual([
      { remember_me: 0, ttl: 24 * 3600 * 1000 },
      { remember_me: 1, ttl: 30 * 24 * 3600 * 1000 },
    ]);
  });

  it('re-hashes a password stored with other parameters on the next login', async () => {
    const user = await registerVerified();
    const before = await sql('SELECT password_hash FROM users WHERE id = ?', user.id).first<{
      password_hash: string;
    }>();
    expect(before?.password_hash).toContain('ln=4,r=8,p=1');
    const upgraded = { SCRYPT_LOG_N: '5', SCRYPT_P: '2' };
    expect((await post('login', { email: user.email, password: PASSWORD }, { env: upgraded })).status).toBe(200);
    const after = await sql('SELECT password_hash FROM users WHERE id = ?', user.id).first<{ password_hash: string }>();
    expect(after?.password_hash).toContain('ln=5,r=8,p=2');
    expect((await post('login', { email: user.email, password: PASSWORD })).status).toBe(200);
  });

  it('hashes at the real default cost (N=2^14, r=8, p=5) and verifies it', async () => {
    const realCost = { SCRYPT_LOG_N: '14', SCRYPT_R: '8', SCRYPT_P: '5' };
    const email = uniqueEmail();
    const mail = captureConsole();
    await post(
      'register',
      { email, username: usernameFor(email), password: PASSWORD, password_confirm: PASSWORD },
      { env: realCost },
    );
    const row = await sql('SELECT password_hash FROM users WHERE email = ?', email).first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^\$scrypt\$ln=14,r=8,p=5\$/);
    await post('verify-email', { token: tokenFromLink(mail.lastEmailTo(email).text, '/verify-email') });
    expect((await post('login', { email, password: PASSWORD }, { env: realCost })).status).toBe(200);
    await problem(
      await post('login', { email, password: 'Wrong-Password1!' }, { env: realCost }),
      400,
      'invalid_credentials',
    );
  }, 60_000);

  it('never writes the password or tokens to the log', async () => {
    const user = await registerVerified();
    const body = await json(await post('login', { email: user.email, password: PASSWORD }));
    await get('me', { token: body.access_token });
    const joined = logs.lines.join('\n');
    expect(joined).not.toContain(PASSWORD);
    expect(joined).not.toContain(body.refresh_token);
    expect(joined).not.toContain(body.access_token);
  });

  it('records successes and failures in the audit log without secrets', async () => {
    const user = await registerVerified();
    await post('login', { email: user.email, password: 'Wrong-Password1!' });
    await post('login', { email: user.email, password: PASSWORD });
    const rows = await sql(
      "SELECT event, details FROM audit_log WHERE user_id = ? AND event LIKE 'login.%' ORDER BY created_at",
      user.id,
    ).all<{ event: string; details: string }>();
    expect(rows.results.map((row) => row.event)).toEqual(['login.failed', 'login.succeeded']);
    expect(JSON.parse(rows.results[0]!.details)).toEqual({ reason: 'wrong_password', email: user.email });
    expect(rows.results.map((row) => row.details).join()).not.toContain(PASSWORD);
  });
});
