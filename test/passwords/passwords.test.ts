import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole, tokenFromLink } from '../helpers/mail';
import { login, registerVerified, signedInUser, sql, uniqueEmail, usernameFor } from '../helpers/users';

const NEW_PASSWORD = 'Brand-New-Secret7?';
const generic = { message: 'If the email exists, a reset link has been sent' };

let mail: ReturnType<typeof captureConsole>;
beforeEach(() => {
  mail = captureConsole();
});
afterEach(() => mail.restore());

async function resetToken(email: string): Promise<string> {
  expect(await json(await post('password/request-reset/', { email }))).toEqual(generic);
  return tokenFromLink(mail.lastEmailTo(email).text, '/reset-password');
}

const reset = (token: string, password = NEW_PASSWORD) =>
  post('password/reset/', { token, new_password: password, new_password_confirm: password });

describe('POST password/request-reset/', () => {
  it('sends a 1-hour link built from APP_URL, never from the Host header', async () => {
    const user = await registerVerified();
    const response = await post('password/request-reset', { email: user.email }, { headers: { Host: 'evil.example' } });
    expect(await json(response)).toEqual(generic);
    const sent = mail.lastEmailTo(user.email);
    expect(sent.subject).toBe('Reset your password');
    expect(sent.text).toMatch(/http:\/\/localhost:3000\/reset-password\?token=[A-Za-z0-9_-]{43}/);
    expect(sent.text).not.toContain('evil.example');
    const row = await sql(
      "SELECT expires_at - created_at AS ttl FROM one_time_tokens WHERE purpose = 'password_reset' AND user_id = ?",
      user.id,
    ).first<{ ttl: number }>();
    expect(row?.ttl).toBe(3600 * 1000);
  });

  it('answers the same for an unknown email and sends nothing', async () => {
    const response = await post('password/request-reset', { email: uniqueEmail('ghost') });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual(generic);
    expect(mail.emails()).toHaveLength(0);
  });

  it('voids the previous link when a new one is requested', async () => {
    const user = await registerVerified();
    const first = await resetToken(user.email);
    const second = await resetToken(user.email);
    await problem(await reset(first), 400, 'invalid_token');
    expect((await reset(second)).status).toBe(200);
  });

  it('is rate limited per email and per IP', async () => {
    const email = uniqueEmail();
    for (let i = 0; i < 5; i++) {
      await post('password/request-reset', { email }, { headers: { 'CF-Connecting-IP': `192.0.2.${i + 1}` } });
    }
    const limited = await post('password/request-reset', { email }, { headers: { 'CF-Connecting-IP': '192.0.2.50' } });
    await problem(limited, 429, 'rate_limited');
    expect(limited.headers.get('Retry-After')).toBeTruthy();

    const perIp = { RATE_LIMIT_RESET_IP: '2/3600' };
    const headers = { 'CF-Connecting-IP': '192.0.2.60' };
    await post('password/request-reset', { email: uniqueEmail() }, { env: perIp, headers });
    await post('password/request-reset', { email: uniqueEmail() }, { env: perIp, headers });
    await problem(
      await post('password/request-reset', { email: uniqueEmail() }, { env: perIp, headers }),
      429,
      'rate_limited',
    );
  });
});

describe('POST password/reset/', () => {
  it('sets the password, signs every session out, emails a notice, and does not sign in', async () => {
    const user = await signedInUser();
    const token = await resetToken(user.email);
    const response = await reset(token);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toEqual({ message: 'Password reset successful' });
    await problem(await get('me', { token: user.access_token }), 401, 'unauthorized');
    await problem(await post('refresh', { refresh_token: user.refresh_token }), 401, 'invalid_refresh_token');
    await problem(await post('login', { email: user.email, password: PASSWORD }), 400, 'invalid_credentials');
    expect((await post('login', { email: user.email, password: NEW_PASSWORD })).status).toBe(200);
    expect(mail.lastEmailTo(user.email).subject).toBe('Your password was changed');
  });

  it('is single use, also under parallel use', async () => {
    const user = await registerVerified();
    const token = await resetToken(user.email);
    const results = await Promise.all(Array.from({ length: 6 }, () => reset(token)));
    expect(results.map((response) => response.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
    await problem(await reset(token), 400, 'invalid_token');
  });

  it('refuses expired, unknown and verification tokens', async () => {
    const user = await registerVerified();
    const token = await resetToken(user.email);
    await sql(
      "UPDATE one_time_tokens SET expires_at = ? WHERE purpose = 'password_reset' AND user_id = ?",
      Date.now() - 1,
      user.id,
    ).run();
    await problem(await reset(token), 400, 'invalid_token');
    await problem(await reset('B'.repeat(43)), 400, 'invalid_token');

    const email = uniqueEmail();
    await post('register', { email, username: usernameFor(email), password: PASSWORD, password_confirm: PASSWORD });
    const verification = tokenFromLink(mail.lastEmailTo(email).text, '/verify-email');
    await problem(await reset(verification), 400, 'invalid_token');
  });

  it('enforces the policy without spending the token', async () => {
    const user = await registerVerified();
    const token = await resetToken(user.email);
    const weak = await problem(await reset(token, 'short'), 400, 'validation_failed');
    expect(weak.errors.map((error: { field: string }) => error.field)).toContain('new_password');
    const mismatch = await post('password/reset', {
      token,
      new_password: NEW_PASSWORD,
      new_password_confirm: 'Other-Secret7?',
    });
    expect((await problem(mismatch, 400, 'validation_failed')).errors).toContainEqual({
      field: 'new_password_confirm',
      message: 'Passwords do not match',
    });
    expect((await reset(token)).status).toBe(200);
  });

  it('clears the lockout', async () => {
    const user = await registerVerified();
    for (let i = 0; i < 5; i++) await post('login', { email: user.email, password: 'Wrong-Password1!' });
    await problem(await post('login', { email: user.email, password: PASSWORD }), 423, 'account_locked');
    const token = await resetToken(user.email);
    expect((await reset(token)).status).toBe(200);
    expect((await post('login', { email: user.email, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('does not bypass MFA: the next sign-in still asks for the code', async () => {
    const user = await registerVerified();
    await sql('UPDATE users SET mfa_enabled = 1 WHERE id = ?', user.id).run();
    expect((await reset(await resetToken(user.email))).status).toBe(200);
    const body = await problem(await post('login', { email: user.email, password: NEW_PASSWORD }), 428, 'mfa_required');
    expect(body).toMatchObject({ requires_mfa: true, user_id: user.id, mfa_token: expect.any(String) });
  });
});

describe('POST password/change/', () => {
  const change = (token: string, current: string, next = NEW_PASSWORD, confirm = next) =>
    post(
      'password/change/',
      { current_password: current, new_password: next, new_password_confirm: confirm },
      { token },
    );

  it('changes the password, keeps this session, signs the others out, and emails a notice', async () => {
    const user = await signedInUser();
    const other = await login(user.email);
    const response = await change(user.access_token, PASSWORD);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ message: 'Password changed successfully' });
    expect((await get('me', { token: user.access_token })).status).toBe(200);
    await problem(await get('me', { token: other.access_token }), 401, 'unauthorized');
    expect((await post('login', { email: user.email, password: NEW_PASSWORD })).status).toBe(200);
    expect(mail.lastEmailTo(user.email).subject).toBe('Your password was changed');
  });

  it('answers a wrong current password with 400 invalid_password (not 401) and changes nothing', async () => {
    const user = await signedInUser();
    await problem(await change(user.access_token, 'Wrong-Password1!'), 400, 'invalid_password');
    expect((await post('login', { email: user.email, password: PASSWORD })).status).toBe(200);
    expect((await get('me', { token: user.access_token })).status).toBe(200);
  });

  it('refuses a new password equal to the current one, or breaking the policy', async () => {
    const user = await signedInUser();
    const same = await problem(await change(user.access_token, PASSWORD, PASSWORD), 400, 'validation_failed');
    expect(same.errors[0].message).toMatch(/differ/);
    await problem(await change(user.access_token, PASSWORD, 'weak'), 400, 'validation_failed');
    await problem(
      await change(user.access_token, PASSWORD, NEW_PASSWORD, 'Mismatch-Secret7?'),
      400,
      'validation_failed',
    );
  });

  it('needs a token', async () => {
    await problem(
      await post('password/change', { current_password: 'x', new_password: 'y', new_password_confirm: 'y' }),
      401,
      'unauthorized',
    );
  });
});

describe('common passwords', () => {
  it.each(['Password123!', 'Qwerty123!', 'Iloveyou1!', 'Azerty2024!'])(
    'refuses %s at registration',
    async (password) => {
      const email = uniqueEmail();
      const body = await problem(
        await post('register', { email, username: usernameFor(email), password, password_confirm: password }),
        400,
        'validation_failed',
      );
      expect(body.errors.map((error: { message: string }) => error.message).join()).toContain('too common');
    },
  );

  it('refuses them on reset and change too', async () => {
    const user = await signedInUser();
    await problem(await change(user.access_token, PASSWORD, 'Password123!'), 400, 'validation_failed');
    await problem(await reset(await resetToken(user.email), 'Password123!'), 400, 'validation_failed');
  });

  it('can be configured to length-only rules (NIST style) while still refusing common passwords', async () => {
    const env = { PASSWORD_COMPOSITION: 'none', PASSWORD_MIN_LENGTH: '12' };
    const email = uniqueEmail();
    const ok = 'correct horse battery staple';
    const created = await post(
      'register',
      { email, username: usernameFor(email), password: ok, password_confirm: ok },
      { env },
    );
    expect(created.status).toBe(201);
    const short = await post(
      'register',
      { email: uniqueEmail(), username: 'short_pw', password: 'abcdefgh', password_confirm: 'abcdefgh' },
      { env },
    );
    expect((await problem(short, 400, 'validation_failed')).errors[0].message).toContain('12 characters');
  });

  function change(token: string, current: string, next: string) {
    return post(
      'password/change',
      { current_password: current, new_password: next, new_password_confirm: next },
      { token },
    );
  }
});
