import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole, tokenFromLink } from '../helpers/mail';
import { registerVerified, sql, uniqueEmail, usernameFor } from '../helpers/users';

let mail: ReturnType<typeof captureConsole>;
beforeEach(() => {
  mail = captureConsole();
});
afterEach(() => mail.restore());

const registration = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  username: usernameFor(email),
  password: PASSWORD,
  password_confirm: PASSWORD,
  ...extra,
});

describe('POST register/', () => {
  it('creates an unverified STUDENT, stores the email lower-case and sends a verification link', async () => {
    const email = uniqueEmail('Mixed');
    const response = await post('register/', registration(`  ${email.toUpperCase()} `));
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body.message).toBe('Registration successful. Please verify your email.');
    expect(body.user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username: usernameFor(email.toUpperCase()),
      email: email.toLowerCase(),
      role: 'STUDENT',
      is_email_verified: false,
      is_active: true,
      is_suspended: false,
      mfa_enabled: false,
      last_login_at: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const sent = mail.lastEmailTo(email.toLowerCase());
    expect(sent.subject).toBe('Verify your email address');
    expect(sent.text).toMatch(/^.*http:\/\/localhost:3000\/verify-email\?token=[A-Za-z0-9_-]{43}/m);
  });

  it('lets a user choose INSTRUCTOR, and no other role', async () => {
    const instructor = await post('register', registration(uniqueEmail(), { role: 'INSTRUCTOR' }));
    expect((await json(instructor)).user.role).toBe('INSTRUCTOR');
    for (const role of ['ADMIN', 'SUPER_ADMIN', 'SUPPORT', 'STUDENT_PREMIUM', 'nobody']) {
      const body = await problem(
        await post('register', registration(uniqueEmail(), { role })),
        400,
        'validation_failed',
      );
      expect(body.errors[0].field).toBe('role');
    }
  });

  it('lists every broken password rule at once', async () => {
    const body = await problem(
      await post('register', registration(uniqueEmail(), { password: 'abc', password_confirm: 'abd' })),
      400,
      'validation_failed',
    );
    const messages = body.errors.map((error: { message: string }) => error.message).join('\n');
    expect(messages).toContain('at least 8 characters');
    expect(messages).toContain('upper-case');
    expect(messages).toContain('digit');
    expect(messages).toContain('special character');
    expect(body.errors).toContainEqual({ field: 'password_confirm', message: 'Passwords do not match' });
  });

  it.each([
    ['too long', `Aa1!${'x'.repeat(125)}`, 'at most 128'],
    ['no lower-case', 'ABCDEFG1!', 'lower-case'],
    ['no upper-case', 'abcdefg1!', 'upper-case'],
  ])('refuses a password that is %s', async (_case, password, message) => {
    const body = await problem(
      await post('register', registration(uniqueEmail(), { password, password_confirm: password })),
      400,
      'validation_failed',
    );
    expect(body.errors.map((error: { message: string }) => error.message).join()).toContain(message);
  });

  it('normalises passwords with NFKC: a full-width password logs in with its ASCII form', async () => {
    const fullWidth = 'Ｃｏｒｒｅｃｔ-Ｈｏｒｓｅ９!';
    const email = uniqueEmail();
    await post('register', registration(email, { password: fullWidth, password_confirm: fullWidth }));
    await post('verify-email', { token: tokenFromLink(mail.lastEmailTo(email).text, '/verify-email') });
    expect((await post('login', { email, password: 'Correct-Horse9!' })).status).toBe(200);
  });

  it('answers 409 for a taken email or username (case-insensitive), and creates nothing', async () => {
    const email = uniqueEmail();
    expect((await post('register', registration(email))).status).toBe(201);
    await problem(
      await post('register', registration(email.toUpperCase(), { username: 'someone_else' })),
      409,
      'email_taken',
    );
    await problem(
      await post('register', registration(uniqueEmail(), { username: usernameFor(email).toUpperCase() })),
      409,
      'username_taken',
    );
    const count = await sql('SELECT count(*) AS n FROM users WHERE email = ?', email).first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it.each([
    ['bad email', { email: 'nope' }, 'email'],
    ['short username', { username: 'ab' }, 'username'],
    ['username with spaces', { username: 'a b c' }, 'username'],
    ['missing password', { password: undefined }, 'password'],
    ['unknown field', { is_admin: true }, 'is_admin'],
  ])('refuses a %s with 400 naming the field', async (_case, change, field) => {
    const body = await problem(await post('register', registration(uniqueEmail(), change)), 400, 'validation_failed');
    expect(body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('stores the locale from Accept-Language and sends the French email', async () => {
    const email = uniqueEmail();
    await post('register', registration(email), { headers: { 'Accept-Language': 'fr-FR,fr;q=0.9,en;q=0.8' } });
    expect(mail.lastEmailTo(email).subject).toBe('Vérifiez votre adresse email');
    const row = await sql('SELECT locale FROM users WHERE email = ?', email).first<{ locale: string }>();
    expect(row?.locale).toBe('fr');
  });

  it('stores a self-describing scrypt hash, never the password', async () => {
    const email = uniqueEmail();
    await post('register', registration(email));
    const row = await sql('SELECT password_hash FROM users WHERE email = ?', email).first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^\$scrypt\$ln=4,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(row?.password_hash).not.toContain(PASSWORD);
  });
});

describe('POST verify-email/', () => {
  it('verifies once; the same token then fails with 400', async () => {
    const email = uniqueEmail();
    await post('register', registration(email));
    const token = tokenFromLink(mail.lastEmailTo(email).text, '/verify-email');
    const first = await post('verify-email/', { token });
    expect(first.status).toBe(200);
    expect(await json(first)).toEqual({ message: 'Email verified successfully' });
    await problem(await post('verify-email', { token }), 400, 'invalid_token');
  });

  it('gives exactly one success when the same token is used in parallel', async () => {
    const email = uniqueEmail();
    await post('register', registration(email));
    const token = tokenFromLink(mail.lastEmailTo(email).text, '/verify-email');
    const results = await Promise.all(Array.from({ length: 8 }, () => post('verify-email', { token })));
    expect(results.map((response) => response.status).sort()).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
  });

  it('refuses unknown, malformed and expired tokens', async () => {
    await problem(await post('verify-email', { token: 'A'.repeat(43) }), 400, 'invalid_token');
    await problem(await post('verify-email', { token: 'short' }), 400, 'validation_failed');
    await problem(await post('verify-email', {}), 400, 'validation_failed');

    const email = uniqueEmail();
    await post('register', registration(email));
    const token = tokenFromLink(mail.lastEmailTo(email).text, '/verify-email');
    await sql(
      "UPDATE one_time_tokens SET expires_at = ? WHERE purpose = 'email_verification' AND user_id = (SELECT id FROM users WHERE email = ?)",
      Date.now() - 1,
      email,
    ).run();
    await problem(await post('verify-email', { token }), 400, 'invalid_token');
  });

  it('stores only the SHA-256 of verification tokens', async () => {
    const email = uniqueEmail();
    await post('register', registration(email));
    const token = tokenFromLink(mail.lastEmailTo(email).text, '/verify-email');
    const rows = await sql('SELECT token_hash FROM one_time_tokens').all<{ token_hash: string }>();
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
    const expected = btoa(String.fromCharCode(...new Uint8Array(digest)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect(rows.results.map((row) => row.token_hash)).toContain(expected);
    expect(rows.results.some((row) => row.token_hash === token)).toBe(false);
  });
});

describe('POST verify-email/resend/', () => {
  const generic = { message: 'If the account exists and is not verified, a new verification email has been sent' };

  it('sends a new link that voids the previous one', async () => {
    const email = uniqueEmail();
    await post('register', registration(email));
    const first = tokenFromLink(mail.lastEmailTo(email).text, '/verify-email');
    const resent = await post('verify-email/resend/', { email });
    expect(await json(resent)).toEqual(generic);
    const second = tokenFromLink(mail.lastEmailTo(email).text, '/verify-email');
    expect(second).not.toBe(first);
    await problem(await post('verify-email', { token: first }), 400, 'invalid_token');
    expect((await post('verify-email', { token: second })).status).toBe(200);
  });

  it('answers the same for unknown and already verified emails, sending nothing', async () => {
    const unknown = await post('verify-email/resend', { email: uniqueEmail('ghost') });
    expect(unknown.status).toBe(200);
    expect(await json(unknown)).toEqual(generic);
    const verified = await registerVerified();
    const before = mail.emails().filter((email) => email.to === verified.email).length;
    const again = await post('verify-email/resend', { email: verified.email });
    expect(await json(again)).toEqual(generic);
    expect(mail.emails().filter((email) => email.to === verified.email)).toHaveLength(before);
    expect(mail.emails().filter((email) => email.to.startsWith('ghost'))).toHaveLength(0);
  });
});
