import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole, tokenFromLink } from '../helpers/mail';
import { codeAt, userWithMfa } from '../helpers/mfa';
import { registerVerified, signedInUser, sql, uniqueEmail, usernameFor } from '../helpers/users';
import { fakeGoogle, fakeNetwork, GOOGLE_REDIRECT, googleAccount, OAUTH_ENV } from '../oauth/fake-providers';

/** Per test: several sign-ups (scrypt) and sign-ins each, on a machine that may be busy. */
const BUDGET = 30_000;

const net = fakeNetwork();
let mail: ReturnType<typeof captureConsole>;
beforeEach(() => {
  mail = captureConsole();
  net.install();
});
afterEach(() => {
  net.reset();
  vi.useRealTimers();
});

const requestChange = (token: string, body: Record<string, unknown>, env?: Record<string, unknown>) =>
  post('me/email/', body, { token, env });
const confirm = (token: string) => post('me/email/confirm/', { token });
const confirmationToken = (address: string) => tokenFromLink(mail.lastEmailTo(address).text, '/confirm-email-change');
const emailOf = async (id: string) =>
  (await sql('SELECT email FROM users WHERE id = ?', id).first<{ email: string }>())?.email;
/** Wrong credentials at login/: 400 invalid_credentials (SPEC §13). */
async function expectInvalidCredentials(response: Response) {
  await problem(response, 400, 'invalid_credentials');
}
/** Eleven minutes later: the sign-in is no longer recent (SPEC §11: 10 minutes). */
const laterThanRecent = () => vi.useFakeTimers({ now: Date.now() + 11 * 60_000, toFake: ['Date'] });

async function passwordlessUser() {
  const account = googleAccount();
  fakeGoogle(net, account);
  const response = await post(
    'oauth/google/',
    { code: account.code, redirect_uri: GOOGLE_REDIRECT },
    { env: OAUTH_ENV },
  );
  const body = await json(response);
  return { id: body.user.id as string, email: body.user.email as string, access_token: body.access_token as string };
}

describe('POST me/email/ then me/email/confirm/', { timeout: BUDGET }, () => {
  it('sends the link to the new address and a notice without it to the old one; the link switches the address', async () => {
    const user = await signedInUser();
    const newEmail = uniqueEmail('moved');
    const requested = await requestChange(user.access_token, { new_email: newEmail.toUpperCase(), password: PASSWORD });
    expect(requested.status).toBe(202);
    expect(await emailOf(user.id)).toBe(user.email);

    const link = mail.lastEmailTo(newEmail);
    expect(link.subject).toBe('Confirm your new email address');
    const notice = mail.lastEmailTo(user.email);
    expect(notice.subject).toBe('A change of your email address was requested');
    expect(notice.text).not.toMatch(/token=/);
    expect(notice.text).toContain(`•••@example.com`);
    expect(notice.text).not.toContain(newEmail);

    const token = tokenFromLink(link.text, '/confirm-email-change');
    const confirmed = await confirm(token);
    expect(await json(confirmed)).toEqual({ message: 'Email address changed' });
    expect(await emailOf(user.id)).toBe(newEmail);
    expect((await json(await get('me', { token: user.access_token }))).email).toBe(newEmail);
    await expectInvalidCredentials(await post('login', { email: user.email, password: PASSWORD }));
    expect((await post('login', { email: newEmail, password: PASSWORD })).status).toBe(200);

    const events = await sql(
      "SELECT event FROM audit_log WHERE user_id = ? AND event LIKE 'user.email_change%' ORDER BY created_at",
      user.id,
    ).all<{ event: string }>();
    expect(events.results.map((row) => row.event)).toEqual(['user.email_change_requested', 'user.email_changed']);
  });

  it('writes both emails in the account locale', async () => {
    const user = await signedInUser();
    await sql("UPDATE users SET locale = 'fr' WHERE id = ?", user.id).run();
    const newEmail = uniqueEmail('fr');
    expect((await requestChange(user.access_token, { new_email: newEmail, password: PASSWORD })).status).toBe(202);
    expect(mail.lastEmailTo(newEmail).subject).toBe('Confirmez votre nouvelle adresse email');
    expect(mail.lastEmailTo(user.email).subject).toBe('Un changement de votre adresse email a été demandé');
  });

  it('a link works once, and not after an hour', async () => {
    const user = await signedInUser();
    const newEmail = uniqueEmail();
    await requestChange(user.access_token, { new_email: newEmail, password: PASSWORD });
    const token = confirmationToken(newEmail);
    expect((await confirm(token)).status).toBe(200);
    await problem(await confirm(token), 400, 'invalid_token');

    const other = await signedInUser();
    const late = uniqueEmail();
    await requestChange(other.access_token, { new_email: late, password: PASSWORD });
    vi.useFakeTimers({ now: Date.now() + 3601_000, toFake: ['Date'] });
    await problem(await confirm(confirmationToken(late)), 400, 'invalid_token');
    expect(await emailOf(other.id)).toBe(other.email);
    await problem(await confirm('A'.repeat(43)), 400, 'invalid_token');
    await problem(await confirm('not a token!'), 400, 'validation_failed');
  });

  it('a new request voids the previous link', async () => {
    const user = await signedInUser();
    const first = uniqueEmail();
    const second = uniqueEmail();
    await requestChange(user.access_token, { new_email: first, password: PASSWORD });
    const firstToken = confirmationToken(first);
    await requestChange(user.access_token, { new_email: second, password: PASSWORD });
    await problem(await confirm(firstToken), 400, 'invalid_token');
    expect((await confirm(confirmationToken(second))).status).toBe(200);
    expect(await emailOf(user.id)).toBe(second);
  });

  it('needs the password of an account that has one: missing is 400, wrong is 400 invalid_password', async () => {
    const user = await signedInUser();
    const newEmail = uniqueEmail();
    const missing = await problem(
      await requestChange(user.access_token, { new_email: newEmail }),
      400,
      'validation_failed',
    );
    expect(missing.errors[0].field).toBe('password');
    await problem(
      await requestChange(user.access_token, { new_email: newEmail, password: 'Wrong-Password1!' }),
      400,
      'invalid_password',
    );
    expect(mail.emails().filter((email) => email.to === newEmail)).toHaveLength(0);
  });

  it('accepts a current code instead of the password when MFA is on, and refuses a wrong one', async () => {
    const user = await userWithMfa();
    const newEmail = uniqueEmail();
    await problem(
      await requestChange(user.access_token, { new_email: newEmail, mfa_code: '000000' }),
      400,
      'invalid_mfa_code',
    );
    const later = Date.now() + 31_000;
    vi.useFakeTimers({ now: later, toFake: ['Date'] });
    const response = await requestChange(user.access_token, {
      new_email: newEmail,
      mfa_code: codeAt(user.secret, later),
    });
    expect(response.status).toBe(202);
  });

  it('an account without a password confirms with a recent sign-in, and must sign in again later', async () => {
    const user = await passwordlessUser();
    expect((await requestChange(user.access_token, { new_email: uniqueEmail() })).status).toBe(202);
    laterThanRecent();
    await problem(
      await requestChange(user.access_token, { new_email: uniqueEmail() }),
      400,
      'reauthentication_required',
    );
  });

  it('refuses the current address (400) and one a verified account holds (409)', async () => {
    const user = await signedInUser();
    const same = await problem(
      await requestChange(user.access_token, { new_email: user.email.toUpperCase(), password: PASSWORD }),
      400,
      'validation_failed',
    );
    expect(same.errors[0].field).toBe('new_email');
    const other = await registerVerified();
    await problem(
      await requestChange(user.access_token, { new_email: other.email, password: PASSWORD }),
      409,
      'email_taken',
    );
  });

  it('answers 409 at confirmation when a verified account took the address meanwhile', async () => {
    const user = await signedInUser();
    const contested = uniqueEmail('contested');
    await requestChange(user.access_token, { new_email: contested, password: PASSWORD });
    const token = confirmationToken(contested);
    await registerVerified(contested);
    await problem(await confirm(token), 409, 'email_taken');
    expect(await emailOf(user.id)).toBe(user.email);
  });

  it('overrides an unverified claim on the address: the link proves the mailbox', async () => {
    const user = await signedInUser();
    const claimed = uniqueEmail('claimed');
    const registered = await post('register', {
      email: claimed,
      username: usernameFor(claimed),
      password: PASSWORD,
      password_confirm: PASSWORD,
    });
    const claim = (await json(registered)).user.id as string;
    expect((await requestChange(user.access_token, { new_email: claimed, password: PASSWORD })).status).toBe(202);
    expect((await confirm(confirmationToken(claimed))).status).toBe(200);
    expect(await emailOf(user.id)).toBe(claimed);
    expect(await sql('SELECT id FROM users WHERE id = ?', claim).first()).toBeNull();
    const removed = await sql(
      "SELECT details FROM audit_log WHERE user_id = ? AND event = 'user.unverified_claim_removed'",
      claim,
    ).first<{ details: string }>();
    expect(JSON.parse(removed!.details)).toEqual({ replaced_by: user.id });
  });

  it('voids reset links sent to the old address', async () => {
    const user = await signedInUser();
    await post('password/request-reset/', { email: user.email });
    const reset = tokenFromLink(mail.lastEmailTo(user.email).text, '/reset-password');
    const newEmail = uniqueEmail();
    await requestChange(user.access_token, { new_email: newEmail, password: PASSWORD });
    expect((await confirm(confirmationToken(newEmail))).status).toBe(200);
    await problem(
      await post('password/reset/', {
        token: reset,
        new_password: 'Another-Pass9!',
        new_password_confirm: 'Another-Pass9!',
      }),
      400,
      'invalid_token',
    );
  });

  it('a lock on the old address follows the account to the new one', async () => {
    const user = await signedInUser();
    const newEmail = uniqueEmail();
    await requestChange(user.access_token, { new_email: newEmail, password: PASSWORD });
    for (let i = 0; i < 5; i++) {
      await expectInvalidCredentials(await post('login', { email: user.email, password: 'Wrong-Password1!' }));
    }
    await problem(await post('login', { email: user.email, password: PASSWORD }), 423, 'account_locked');
    expect((await confirm(confirmationToken(newEmail))).status).toBe(200);
    const locked = await problem(await post('login', { email: newEmail, password: PASSWORD }), 423, 'account_locked');
    expect(locked.locked_until).toEqual(expect.any(String));
  });

  it('failures short of a lock follow too: the threshold is not reset by a change of address', async () => {
    const user = await signedInUser();
    const newEmail = uniqueEmail();
    await requestChange(user.access_token, { new_email: newEmail, password: PASSWORD });
    for (let i = 0; i < 4; i++) await post('login', { email: user.email, password: 'Wrong-Password1!' });
    expect((await confirm(confirmationToken(newEmail))).status).toBe(200);
    await expectInvalidCredentials(await post('login', { email: newEmail, password: 'Wrong-Password1!' }));
    await problem(await post('login', { email: newEmail, password: PASSWORD }), 423, 'account_locked');
  });

  it('is rate limited per account (RATE_LIMIT_EMAIL_CHANGE_ACCOUNT)', async () => {
    const user = await signedInUser();
    const env = { RATE_LIMIT_EMAIL_CHANGE_ACCOUNT: '2/3600' };
    for (let i = 0; i < 2; i++) {
      expect(
        (await requestChange(user.access_token, { new_email: uniqueEmail(), password: PASSWORD }, env)).status,
      ).toBe(202);
    }
    const limited = await requestChange(user.access_token, { new_email: uniqueEmail(), password: PASSWORD }, env);
    await problem(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
  });

  it('rejects unknown fields and bad addresses, and needs an access token', async () => {
    const user = await signedInUser();
    const unknown = await problem(
      await requestChange(user.access_token, { new_email: uniqueEmail(), password: PASSWORD, role: 'ADMIN' }),
      400,
      'validation_failed',
    );
    expect(unknown.errors).toContainEqual({ field: 'role', message: 'Unknown field' });
    await problem(
      await requestChange(user.access_token, { new_email: 'nope', password: PASSWORD }),
      400,
      'validation_failed',
    );
    await problem(await post('me/email/', { new_email: uniqueEmail(), password: PASSWORD }), 401, 'unauthorized');
  });
});
