import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountExport } from '../../src/accounts/export-sections';
import { get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole, tokenFromLink } from '../helpers/mail';
import { userWithMfa } from '../helpers/mfa';
import { withPasskey } from '../helpers/passkeys';
import { signedInUser, sql, uniqueEmail } from '../helpers/users';
import { fakeGoogle, fakeNetwork, GOOGLE_REDIRECT, googleAccount, OAUTH_ENV } from '../oauth/fake-providers';

/** Per test: several sign-ups (scrypt) and sign-ins each, on a machine that may be busy. */
const BUDGET = 30_000;

const net = fakeNetwork();
let mail: ReturnType<typeof captureConsole>;
beforeEach(() => {
  mail = captureConsole();
  net.install();
});
afterEach(() => net.reset());

const exportOf = (token: string, env?: Record<string, unknown>) => get('me/export/', { token, env });
const column = async (query: string, ...params: unknown[]) =>
  (await sql(query, ...params).all<Record<string, string | null>>()).results.flatMap((row) =>
    Object.values(row).filter((value): value is string => typeof value === 'string'),
  );

/**
 * A user with every kind of secret the service keeps: a password, MFA (secret and backup codes),
 * several sessions (one refreshed, so a retired refresh token), a linked provider, pending links
 * (reset, email change, an MFA step) and failed sign-ins. Returns the plain secrets it was handed.
 */
async function userWithEverySecret() {
  const user = await userWithMfa();
  const plain: string[] = [PASSWORD, user.secret, ...user.backupCodes, user.access_token, user.refresh_token];
  const challenge = await json(await post('login', { email: user.email, password: PASSWORD }));
  plain.push(challenge.mfa_token);
  const second = await json(
    await post('login/mfa', { mfa_token: challenge.mfa_token, mfa_code: user.backupCodes[0], remember_me: true }),
  );
  plain.push(second.access_token, second.refresh_token);
  const refreshed = await json(await post('refresh', { refresh_token: second.refresh_token }));
  plain.push(refreshed.access_token, refreshed.refresh_token);
  const pendingStep = await json(await post('login', { email: user.email, password: PASSWORD }));
  plain.push(pendingStep.mfa_token);
  await post('login', { email: user.email, password: 'Wrong-Password1!' });

  const google = googleAccount();
  fakeGoogle(net, google);
  const linked = await post(
    'oauth/link/',
    { provider: 'GOOGLE', code: google.code, redirect_uri: GOOGLE_REDIRECT, password: PASSWORD },
    { token: refreshed.access_token, env: OAUTH_ENV },
  );
  expect(linked.status).toBe(200);
  plain.push(
    google.code,
    google.accessToken,
    tokenFromLink(mail.lastEmailTo(user.email).text, '/revoke-provider-link'),
  );

  await post('password/request-reset/', { email: user.email });
  plain.push(tokenFromLink(mail.lastEmailTo(user.email).text, '/reset-password'));
  const newEmail = uniqueEmail('pending');
  const change = await post(
    'me/email/',
    { new_email: newEmail, password: PASSWORD },
    { token: refreshed.access_token },
  );
  expect(change.status).toBe(202);
  plain.push(tokenFromLink(mail.lastEmailTo(newEmail).text, '/confirm-email-change'));
  await withPasskey(refreshed.access_token);
  return { ...user, token: refreshed.access_token as string, newEmail, plain };
}

describe('GET me/export/', { timeout: BUDGET }, () => {
  it('answers a complete JSON attachment, section by section', async () => {
    const user = await userWithEverySecret();
    const response = await exportOf(user.token);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(response.headers.get('Content-Disposition')).toMatch(
      /^attachment; filename="account-export-\d{4}-\d\d-\d\d\.json"$/,
    );
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const document = AccountExport.parse(await response.json()) as Record<string, any>;

    expect(Object.keys(document)).toEqual([
      'format',
      'version',
      'exported_at',
      'profile',
      'mfa',
      'linked_providers',
      'passkeys',
      'lti_links',
      'sessions',
      'login_history',
      'login_daily_counts',
      'audit_entries',
    ]);
    expect(document.passkeys).toEqual([
      expect.objectContaining({ name: expect.any(String), backed_up: true, device_type: 'multiDevice' }),
    ]);
    expect(document.lti_links).toEqual([]);
    expect(document.profile).toMatchObject({
      id: user.id,
      email: user.email,
      has_password: true,
      mfa_enabled: true,
      deletion_due_at: null,
      pending_email_change: { new_email: user.newEmail },
    });
    expect(document.mfa).toEqual({
      enabled: true,
      setup_pending: false,
      backup_codes_remaining: 7,
      backup_codes_generated_at: expect.any(String),
    });
    expect(document.linked_providers).toEqual([
      expect.objectContaining({ provider: 'GOOGLE', email: expect.stringContaining('@') }),
    ]);

    const idsOf = async (table: string, column = 'user_id') =>
      (
        await sql(`SELECT id FROM ${table} WHERE ${column} = ? ORDER BY created_at, rowid`, user.id).all<{
          id: string;
        }>()
      ).results.map((row) => row.id);
    expect(document.sessions.map((session: { id: string }) => session.id)).toEqual(await idsOf('sessions'));
    expect(document.login_history.map((row: { id: string }) => row.id)).toEqual(await idsOf('login_history'));
    expect(document.login_history.some((row: { success: boolean }) => !row.success)).toBe(true);
    // The statistics' daily counts add up to the history they were written with.
    const signIns = document.login_history as Array<{ login_at: string; success: boolean }>;
    const days = [...new Set(signIns.map((row) => row.login_at.slice(0, 10)))].sort();
    expect(document.login_daily_counts.map((day: { date: string }) => day.date)).toEqual(days);
    for (const day of document.login_daily_counts) {
      const ofDay = signIns.filter((row) => row.login_at.startsWith(day.date));
      expect(day).toMatchObject({ attempts: ofDay.length, successes: ofDay.filter((row) => row.success).length });
      expect(day.failures).toBe(day.attempts - day.successes);
      expect(Object.values(day.by_device).reduce((sum: number, n) => sum + (n as number), 0)).toBe(day.attempts);
    }
    expect(document.audit_entries.map((entry: { id: string }) => entry.id)).toEqual(await idsOf('audit_log'));
    expect(document.audit_entries.map((entry: { event: string }) => entry.event)).toEqual(
      expect.arrayContaining(['user.registered', 'mfa.enabled', 'oauth.linked', 'user.data_exported']),
    );
    expect(document.audit_entries.every((entry: { by: string }) => entry.by === 'self')).toBe(true);
  });

  it('contains no secret the user has: hashes, sealed and plain secrets, codes, tokens', {
    timeout: 30_000,
  }, async () => {
    const user = await userWithEverySecret();
    const text = await (await exportOf(user.token)).text();
    const stored = [
      ...(await column('SELECT password_hash, mfa_secret FROM users WHERE id = ?', user.id)),
      ...(await column('SELECT code_hash FROM backup_codes WHERE user_id = ?', user.id)),
      ...(await column('SELECT refresh_token_hash FROM sessions WHERE user_id = ?', user.id)),
      ...(await column('SELECT token_hash FROM one_time_tokens WHERE user_id = ?', user.id)),
    ];
    const setting = (name: string) => String(env[name]);
    const serverKeys = [
      setting('SECRET_ENCRYPTION_KEY'),
      setting('BACKUP_CODE_PEPPER'),
      JSON.parse(setting('JWT_PRIVATE_KEY')).d,
      setting('REFRESH_TOKEN_SECRET'),
    ];
    // Enough of each kind to mean something: 8 backup codes, 2 sessions, 6 single-use tokens; on the
    // plain side the codes, 3 refresh and access tokens, 5 links.
    expect(stored.length).toBeGreaterThanOrEqual(17);
    expect(user.plain.length).toBeGreaterThanOrEqual(20);
    for (const secret of [...stored, ...user.plain, ...serverKeys]) {
      expect(typeof secret === 'string' && secret.length >= 6, `a usable secret: ${secret}`).toBe(true);
      expect(text.includes(secret as string), `the export contains ${secret}`).toBe(false);
      // Backup codes are also accepted without the dash.
      expect(text.includes((secret as string).replace('-', ''))).toBe(false);
    }
    // What the export does hold about them is their existence.
    expect(text).toContain('"backup_codes_remaining":7');
  });

  it('is rate limited per account (RATE_LIMIT_EXPORT_ACCOUNT)', async () => {
    const user = await signedInUser();
    const limits = { RATE_LIMIT_EXPORT_ACCOUNT: '2/3600' };
    for (let i = 0; i < 2; i++) {
      const response = await exportOf(user.access_token, limits);
      expect(response.status).toBe(200);
      await response.body?.cancel();
    }
    const limited = await exportOf(user.access_token, limits);
    await problem(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    // Per account: another user is not affected.
    const other = await signedInUser();
    expect((await exportOf(other.access_token, limits)).status).toBe(200);
  });

  it('needs a live access token', async () => {
    await problem(await get('me/export/'), 401, 'unauthorized');
    const user = await signedInUser();
    await post('logout', undefined, { token: user.access_token });
    await problem(await exportOf(user.access_token), 401, 'unauthorized');
  });

  it('writes empty sections as empty arrays, and audits the export', async () => {
    const user = await signedInUser();
    await sql('DELETE FROM login_history WHERE user_id = ?', user.id).run();
    const document = AccountExport.parse(await (await exportOf(user.access_token)).json()) as Record<string, any>;
    expect(document.login_history).toEqual([]);
    expect(document.linked_providers).toEqual([]);
    expect(document.mfa).toEqual({
      enabled: false,
      setup_pending: false,
      backup_codes_remaining: 0,
      backup_codes_generated_at: null,
    });
    const audited = await sql(
      "SELECT count(*) AS n FROM audit_log WHERE user_id = ? AND event = 'user.data_exported'",
      user.id,
    ).first();
    expect(audited).toEqual({ n: 1 });
  });
});
