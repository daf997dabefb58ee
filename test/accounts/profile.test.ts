import { describe, expect, it } from 'vitest';
import { call, get, json, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { registerVerified, signedInUser, sql } from '../helpers/users';

/** Per test: several sign-ups (scrypt) and sign-ins each, on a machine that may be busy. */
const BUDGET = 30_000;

const patchMe = (token: string | undefined, body: unknown) => call('PATCH', '/api/auth/me/', { token, body });

describe('PATCH me/', { timeout: BUDGET }, () => {
  it('changes the username and the locale, answers the user, and audits the field names only', async () => {
    const user = await signedInUser();
    const username = `renamed.${crypto.randomUUID().slice(0, 8)}`;
    const response = await patchMe(user.access_token, { username, locale: 'fr' });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({ id: user.id, email: user.email, username, locale: 'fr' });
    expect(await json(await get('me', { token: user.access_token }))).toMatchObject({ username, locale: 'fr' });
    const entry = await sql(
      "SELECT details FROM audit_log WHERE user_id = ? AND event = 'user.profile_updated'",
      user.id,
    ).first<{ details: string }>();
    expect(JSON.parse(entry!.details)).toEqual({ changed: ['username', 'locale'] });
  });

  it('writes every later email in the chosen language', async () => {
    const user = await signedInUser();
    expect((await patchMe(user.access_token, { locale: 'fr' })).status).toBe(200);
    const mail = captureConsole();
    expect((await post('password/request-reset/', { email: user.email })).status).toBe(200);
    expect(mail.lastEmailTo(user.email).subject).toBe('Réinitialisez votre mot de passe');
    expect((await patchMe(user.access_token, { locale: 'en' })).status).toBe(200);
    expect((await post('password/request-reset/', { email: user.email })).status).toBe(200);
    expect(mail.lastEmailTo(user.email).subject).toBe('Reset your password');
  });

  it('refuses a username another account holds, whatever its case (409), and keeps the old one', async () => {
    const other = await registerVerified();
    const otherName = (await sql('SELECT username FROM users WHERE id = ?', other.id).first<{ username: string }>())!
      .username;
    const user = await signedInUser();
    await problem(await patchMe(user.access_token, { username: otherName.toUpperCase() }), 409, 'username_taken');
    expect((await json(await get('me', { token: user.access_token }))).username).not.toBe(otherName.toUpperCase());
  });

  it('lets the owner change the case of their own username', async () => {
    const user = await signedInUser();
    const current = (await json(await get('me', { token: user.access_token }))).username as string;
    const response = await patchMe(user.access_token, { username: current.toUpperCase() });
    expect((await json(response)).username).toBe(current.toUpperCase());
  });

  it.each([
    [{}, '(body)'],
    [{ username: 'x' }, 'username'],
    [{ username: 'has space' }, 'username'],
    [{ locale: 'de' }, 'locale'],
    [{ email: 'new@example.com' }, 'email'],
    [{ role: 'ADMIN' }, 'role'],
  ])('answers 400 for %j (field %s)', async (body, field) => {
    const user = await signedInUser();
    const answer = await problem(await patchMe(user.access_token, body), 400, 'validation_failed');
    expect(answer.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('needs a live access token', async () => {
    await problem(await patchMe(undefined, { locale: 'fr' }), 401, 'unauthorized');
    const user = await signedInUser();
    await post('logout', undefined, { token: user.access_token });
    await problem(await patchMe(user.access_token, { locale: 'fr' }), 401, 'unauthorized');
  });

  it('answers the same user when nothing changes, without an audit entry', async () => {
    const user = await signedInUser();
    const response = await patchMe(user.access_token, { locale: 'en' });
    expect((await json(response)).locale).toBe('en');
    const entries = await sql(
      "SELECT count(*) AS n FROM audit_log WHERE user_id = ? AND event = 'user.profile_updated'",
      user.id,
    ).first();
    expect(entries).toEqual({ n: 0 });
  });
});
