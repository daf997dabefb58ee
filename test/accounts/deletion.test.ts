import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole, tokenFromLink } from '../helpers/mail';
import { codeAt, userWithMfa } from '../helpers/mfa';
import { account, staff } from '../helpers/staff';
import { signedInUser, sql } from '../helpers/users';
import { fakeGoogle, fakeNetwork, GOOGLE_REDIRECT, googleAccount, OAUTH_ENV } from '../oauth/fake-providers';

/** Per test: several sign-ups (scrypt) and sign-ins each, on a machine that may be busy. */
const BUDGET = 30_000;

const DAY = 24 * 3600 * 1000;
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

const deleteMe = (token: string, body?: unknown, env?: Record<string, unknown>) =>
  post('me/delete/', body, { token, env, headers: { 'Content-Type': 'application/json' } });
const cancel = (token: string) => post('me/delete/cancel/', { token });
const cancelToken = (address: string) => tokenFromLink(mail.lastEmailTo(address).text, '/cancel-account-deletion');
const dueAtOf = async (id: string) =>
  (await sql('SELECT deletion_due_at FROM users WHERE id = ?', id).first<{ deletion_due_at: number | null }>())
    ?.deletion_due_at;
const laterThanRecent = () => vi.useFakeTimers({ now: Date.now() + 11 * 60_000, toFake: ['Date'] });

function googleSignIn(googleUser = googleAccount()) {
  fakeGoogle(net, googleUser);
  return post('oauth/google/', { code: googleUser.code, redirect_uri: GOOGLE_REDIRECT }, { env: OAUTH_ENV });
}

async function passwordlessUser() {
  const googleUser = googleAccount();
  const body = await json(await googleSignIn(googleUser));
  return { id: body.user.id as string, email: body.user.email as string, access_token: body.access_token, googleUser };
}

describe('POST me/delete/', { timeout: BUDGET }, () => {
  it('ends every session at once, refuses sign-in with 403, and emails a cancel link', async () => {
    const user = await signedInUser();
    const other = await json(await post('login', { email: user.email, password: PASSWORD }));
    const before = Date.now();
    const response = await deleteMe(user.access_token, { password: PASSWORD });
    expect(response.status).toBe(202);
    const body = await json(response);
    const dueAt = Date.parse(body.deletion_due_at);
    expect(dueAt - before).toBeGreaterThanOrEqual(7 * DAY);
    expect(dueAt - Date.now()).toBeLessThanOrEqual(7 * DAY);
    expect(await dueAtOf(user.id)).toBe(dueAt);

    await problem(await get('me', { token: user.access_token }), 401, 'unauthorized');
    await problem(await get('me', { token: other.access_token }), 401, 'unauthorized');
    await problem(await post('refresh', { refresh_token: other.refresh_token }), 401, 'invalid_refresh_token');
    const refused = await problem(
      await post('login', { email: user.email, password: PASSWORD }),
      403,
      'account_pending_deletion',
    );
    expect(refused.detail).toMatch(/cancel/);
    const history = await sql(
      'SELECT failure_reason FROM login_history WHERE user_id = ? AND success = 0',
      user.id,
    ).first<{ failure_reason: string }>();
    expect(history?.failure_reason).toBe('account_pending_deletion');

    const email = mail.lastEmailTo(user.email);
    expect(email.subject).toMatch(/^Your account will be deleted on \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(email.text).toContain('/cancel-account-deletion?token=');
    const entry = await sql(
      "SELECT details FROM audit_log WHERE user_id = ? AND event = 'account.deletion_requested'",
      user.id,
    ).first<{ details: string }>();
    expect(JSON.parse(entry!.details)).toEqual({ deletion_due_at: body.deletion_due_at, sessions_revoked: 2 });
  });

  it('refuses a second-factor step begun before the deletion, and provider sign-in', async () => {
    const withMfa = await userWithMfa();
    const challenge = await json(await post('login', { email: withMfa.email, password: PASSWORD }));
    expect(challenge.mfa_token).toEqual(expect.any(String));
    const at = Date.now() + 31_000;
    vi.useFakeTimers({ now: at, toFake: ['Date'] });
    expect(
      (await deleteMe(withMfa.access_token, { password: PASSWORD, mfa_code: codeAt(withMfa.secret, at) })).status,
    ).toBe(202);
    const step = await post('login/mfa', { mfa_token: challenge.mfa_token, mfa_code: withMfa.backupCodes[0] });
    expect(step.status).not.toBe(200);
    expect((await json(step)).code).toBe('invalid_mfa_token');
    await problem(await post('login', { email: withMfa.email, password: PASSWORD }), 403, 'account_pending_deletion');

    vi.useRealTimers();
    const passwordless = await passwordlessUser();
    expect((await deleteMe(passwordless.access_token, {})).status).toBe(202);
    const again = googleAccount({ sub: passwordless.googleUser.sub, email: passwordless.email });
    await problem(await googleSignIn(again), 403, 'account_pending_deletion');
  });

  it('needs the password: missing is 400 validation_failed, wrong is 400 invalid_password, and nothing happens', async () => {
    const user = await signedInUser();
    const missing = await problem(await deleteMe(user.access_token, {}), 400, 'validation_failed');
    expect(missing.errors).toEqual([{ field: 'password', message: 'Required: the current password' }]);
    await problem(await deleteMe(user.access_token, { password: 'Wrong-Password1!' }), 400, 'invalid_password');
    expect(await dueAtOf(user.id)).toBeNull();
    expect((await get('me', { token: user.access_token })).status).toBe(200);
  });

  it('needs a current code besides the password when MFA is on', async () => {
    const user = await userWithMfa();
    const missing = await problem(await deleteMe(user.access_token, { password: PASSWORD }), 400, 'validation_failed');
    expect(missing.errors.map((error: { field: string }) => error.field)).toEqual(['mfa_code']);
    await problem(
      await deleteMe(user.access_token, { password: PASSWORD, mfa_code: '000000' }),
      400,
      'invalid_mfa_code',
    );
    await problem(
      await deleteMe(user.access_token, { password: 'Wrong-Password1!', mfa_code: user.backupCodes[0] }),
      400,
      'invalid_password',
    );
    expect(await dueAtOf(user.id)).toBeNull();
    const done = await deleteMe(user.access_token, { password: PASSWORD, mfa_code: user.backupCodes[1] });
    expect(done.status).toBe(202);
  });

  it('refuses an MFA code from an account without MFA, and a password from one without a password', async () => {
    const user = await signedInUser();
    const body = await problem(
      await deleteMe(user.access_token, { password: PASSWORD, mfa_code: '123456' }),
      400,
      'validation_failed',
    );
    expect(body.errors).toEqual([{ field: 'mfa_code', message: 'MFA is not enabled on this account' }]);
    const passwordless = await passwordlessUser();
    await problem(await deleteMe(passwordless.access_token, { password: PASSWORD }), 400, 'validation_failed');
    expect(await dueAtOf(passwordless.id)).toBeNull();
  });

  it('an account without a password or MFA confirms with a sign-in less than 10 minutes old', async () => {
    const recent = await passwordlessUser();
    expect((await deleteMe(recent.access_token)).status).toBe(202);
    const old = await passwordlessUser();
    laterThanRecent();
    await problem(await deleteMe(old.access_token), 400, 'reauthentication_required');
    expect(await dueAtOf(old.id)).toBeNull();
  });

  it('follows ACCOUNT_DELETION_GRACE, and voids the links already sent', async () => {
    const user = await signedInUser();
    await post('password/request-reset/', { email: user.email });
    const reset = tokenFromLink(mail.lastEmailTo(user.email).text, '/reset-password');
    const before = Date.now();
    const response = await deleteMe(user.access_token, { password: PASSWORD }, { ACCOUNT_DELETION_GRACE: '3600' });
    const dueAt = Date.parse((await json(response)).deletion_due_at);
    expect(dueAt - before).toBeGreaterThanOrEqual(3600_000);
    expect(dueAt - before).toBeLessThan(3600_000 + 60_000);
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

  it('rejects unknown fields and needs an access token', async () => {
    const user = await signedInUser();
    await problem(await deleteMe(user.access_token, { password: PASSWORD, now: true }), 400, 'validation_failed');
    await problem(await post('me/delete/', { password: PASSWORD }), 401, 'unauthorized');
    expect(await dueAtOf(user.id)).toBeNull();
  });
});

describe('POST me/delete/cancel/', { timeout: BUDGET }, () => {
  it('restores the account within the grace period, once; the owner signs in again', async () => {
    const user = await signedInUser();
    await deleteMe(user.access_token, { password: PASSWORD });
    const token = cancelToken(user.email);
    vi.useFakeTimers({ now: Date.now() + 6 * DAY, toFake: ['Date'] });
    const response = await cancel(token);
    expect(await json(response)).toEqual({ message: 'The deletion was cancelled; sign in again to use the account' });
    expect(await dueAtOf(user.id)).toBeNull();
    expect(mail.lastEmailTo(user.email).subject).toBe('The deletion of your account was cancelled');
    // The sessions stay revoked: only a new sign-in works.
    await problem(await get('me', { token: user.access_token }), 401, 'unauthorized');
    expect((await post('login', { email: user.email, password: PASSWORD })).status).toBe(200);
    await problem(await cancel(token), 400, 'invalid_token');
    const events = await sql(
      "SELECT count(*) AS n FROM audit_log WHERE user_id = ? AND event = 'account.deletion_cancelled'",
      user.id,
    ).first();
    expect(events).toEqual({ n: 1 });
  });

  it('refuses a link once the grace period is over, and the deletion stays due', async () => {
    const user = await signedInUser();
    await deleteMe(user.access_token, { password: PASSWORD });
    const dueAt = await dueAtOf(user.id);
    vi.useFakeTimers({ now: dueAt! + 1000, toFake: ['Date'] });
    await problem(await cancel(cancelToken(user.email)), 400, 'invalid_token');
    expect(await dueAtOf(user.id)).toBe(dueAt);
  });

  it('refuses unknown and malformed tokens', async () => {
    await problem(await cancel('Z'.repeat(43)), 400, 'invalid_token');
    await problem(await cancel('short'), 400, 'validation_failed');
    await problem(await post('me/delete/cancel/', {}), 400, 'validation_failed');
  });

  it('is written in the account locale', async () => {
    const user = await signedInUser();
    await sql("UPDATE users SET locale = 'fr' WHERE id = ?", user.id).run();
    await deleteMe(user.access_token, { password: PASSWORD });
    expect(mail.lastEmailTo(user.email).subject).toMatch(/^Votre compte sera supprimé le /);
    await cancel(cancelToken(user.email));
    expect(mail.lastEmailTo(user.email).subject).toBe('La suppression de votre compte a été annulée');
  });
});

describe('POST admin/users/{id}/delete/', { timeout: BUDGET }, () => {
  it('lets an ADMIN start the same deletion for a user, audited with the actor and reason', async () => {
    const admin = await staff('ADMIN');
    const target = await account('STUDENT');
    const session = await json(await post('login', { email: target.email, password: PASSWORD }));
    const response = await post(
      `admin/users/${target.id}/delete/`,
      { reason: 'Parental request' },
      { token: admin.access_token },
    );
    expect(response.status).toBe(202);
    const dueAt = (await json(response)).deletion_due_at;
    await problem(await get('me', { token: session.access_token }), 401, 'unauthorized');
    await problem(await post('login', { email: target.email, password: PASSWORD }), 403, 'account_pending_deletion');
    const email = mail.lastEmailTo(target.email);
    expect(email.text).toMatch(/an administrator scheduled the deletion/);
    const entry = await sql(
      "SELECT actor_id, details FROM audit_log WHERE user_id = ? AND event = 'admin.user_deletion_requested'",
      target.id,
    ).first<{ actor_id: string; details: string }>();
    expect(entry?.actor_id).toBe(admin.id);
    expect(JSON.parse(entry!.details)).toEqual({
      deletion_due_at: dueAt,
      sessions_revoked: 1,
      reason: 'Parental request',
    });

    await problem(
      await post(`admin/users/${target.id}/delete/`, {}, { token: admin.access_token }),
      409,
      'deletion_pending',
    );
    // The user may still keep the account with the emailed link.
    expect((await cancel(cancelToken(target.email))).status).toBe(200);
  });

  it('follows the permission table: not SUPPORT, not on admins, not on oneself; 404 for nobody', async () => {
    const admin = await staff('ADMIN');
    const support = await staff('SUPPORT');
    const student = await account('STUDENT');
    const otherAdmin = await account('ADMIN');
    await problem(
      await post(`admin/users/${student.id}/delete/`, {}, { token: support.access_token }),
      403,
      'forbidden',
    );
    await problem(
      await post(`admin/users/${otherAdmin.id}/delete/`, {}, { token: admin.access_token }),
      403,
      'forbidden',
    );
    await problem(await post(`admin/users/${admin.id}/delete/`, {}, { token: admin.access_token }), 403, 'forbidden');
    await problem(
      await post(`admin/users/${crypto.randomUUID()}/delete/`, {}, { token: admin.access_token }),
      404,
      'not_found',
    );
    await problem(
      await post(`admin/users/not-a-uuid/delete/`, {}, { token: admin.access_token }),
      400,
      'validation_failed',
    );
    expect(await dueAtOf(student.id)).toBeNull();
    const superAdmin = await staff('SUPER_ADMIN');
    expect(
      (await post(`admin/users/${otherAdmin.id}/delete/`, undefined, { token: superAdmin.access_token })).status,
    ).toBe(202);
  });

  it('needs a session that signed in with a second factor', async () => {
    const admin = await staff('ADMIN', { mfa: false });
    const student = await account('STUDENT');
    await problem(
      await post(`admin/users/${student.id}/delete/`, {}, { token: admin.access_token }),
      403,
      'mfa_required',
    );
  });
});
