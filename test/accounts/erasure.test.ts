import { createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { USER_OWNED_ROWS } from '../../src/accounts/erasure';
import worker from '../../src/index';
import { json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole, tokenFromLink } from '../helpers/mail';
import { codeAt } from '../helpers/mfa';
import { account, staff } from '../helpers/staff';
import { registerVerified, sql, uniqueEmail, usernameFor } from '../helpers/users';
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

async function runNightlyJob(at: number) {
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: '17 3 * * *' }), env as never);
}

/** Every table of the database, as sqlite_master lists it (D1's and SQLite's own excepted). */
async function everyTable(): Promise<string[]> {
  const tables = await sql(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
  ).all<{ name: string }>();
  return tables.results.map((table) => table.name);
}

/** Every row of every table that mentions one of `needles` anywhere (any column, any case). */
async function rowsMentioning(needles: string[]) {
  const found: Array<{ table: string; row: unknown }> = [];
  for (const table of await everyTable()) {
    const rows = await sql(`SELECT * FROM "${table}"`).all();
    for (const row of rows.results) {
      const text = JSON.stringify(row).toLowerCase();
      if (needles.some((needle) => text.includes(needle.toLowerCase()))) found.push({ table, row });
    }
  }
  return found;
}

const countWhere = async (query: string, ...params: unknown[]) =>
  (await sql(query, ...params).first<{ n: number }>())!.n;

/**
 * An account with something in every table: failed sign-ins on its address before it existed, a
 * password, MFA and backup codes, a linked provider, several sessions (one refreshed), pending
 * links, an earlier address (it overrode an unverified claim on the new one), and, as an ADMIN,
 * actions on another user's account.
 */
async function accountWithEverything() {
  const firstEmail = uniqueEmail('erased');
  await post('login', { email: firstEmail, password: 'Guessing-1!' });
  const user = await registerVerified(firstEmail);
  const session = await json(await post('login', { email: firstEmail, password: PASSWORD }));
  let token = session.access_token as string;

  const google = googleAccount();
  fakeGoogle(net, google);
  const linked = await post(
    'oauth/link/',
    { provider: 'GOOGLE', code: google.code, redirect_uri: GOOGLE_REDIRECT },
    { token, env: OAUTH_ENV },
  );
  expect(linked.status).toBe(200);

  const claimed = uniqueEmail('claimed');
  await post('register', {
    email: claimed,
    username: usernameFor(claimed),
    password: PASSWORD,
    password_confirm: PASSWORD,
  });
  expect((await post('me/email/', { new_email: claimed, password: PASSWORD }, { token })).status).toBe(202);
  expect(
    (await post('me/email/confirm/', { token: tokenFromLink(mail.lastEmailTo(claimed).text, '/confirm-email-change') }))
      .status,
  ).toBe(200);
  const email = claimed;

  const setup = await json(await post('mfa/enable/', undefined, { token }));
  const verifyAt = Date.now();
  expect((await post('mfa/verify/', { code: codeAt(setup.secret, verifyAt) }, { token })).status).toBe(200);
  await sql("UPDATE users SET role = 'ADMIN' WHERE id = ?", user.id).run();
  const challenge = await json(await post('login', { email, password: PASSWORD }));
  const admin = await json(
    await post('login/mfa', { mfa_token: challenge.mfa_token, mfa_code: setup.backup_codes[0] }),
  );
  const refreshed = await json(await post('refresh', { refresh_token: admin.refresh_token }));
  token = refreshed.access_token;
  await post('password/request-reset/', { email });
  await ownRowsOfOtherSignInMethods(user.id);
  return {
    id: user.id,
    email,
    firstEmail,
    token,
    secret: setup.secret as string,
    backupCodes: setup.backup_codes as string[],
  };
}

/**
 * Rows of the sign-in methods whose own tests create them through their ceremonies (passkeys, LTI):
 * written directly here, since what this file tests is that the erasure finds them.
 */
async function ownRowsOfOtherSignInMethods(userId: string) {
  const now = Date.now();
  const platform = crypto.randomUUID();
  await env.DB.batch([
    sql(
      `INSERT INTO passkeys (id, user_id, credential_id, public_key, counter, aaguid, device_type, backed_up, name, created_at)
       VALUES (?, ?, ?, 'pQECAyYgASFYIA', 0, '00000000-0000-0000-0000-000000000000', 'multiDevice', 1, 'Laptop', ?)`,
      crypto.randomUUID(),
      userId,
      `cred-${platform}`,
      now,
    ),
    sql(
      "INSERT INTO webauthn_challenges (id, challenge_hash, ceremony, user_id, created_at, expires_at) VALUES (?, ?, 'registration', ?, ?, ?)",
      crypto.randomUUID(),
      `challenge-${platform}`,
      userId,
      now,
      now + 300_000,
    ),
    sql(
      `INSERT INTO lti_platforms (id, name, issuer, client_id, authorization_endpoint, jwks_url, created_at, updated_at)
       VALUES (?, 'Moodle', 'https://lms.example.com', ?, 'https://lms.example.com/auth', 'https://lms.example.com/jwks', ?, ?)`,
      platform,
      `client-${platform}`,
      now,
      now,
    ),
    sql(
      'INSERT INTO lti_user_links (id, platform_id, sub, user_id, created_at, last_launch_at) VALUES (?, ?, ?, ?, ?, ?)',
      crypto.randomUUID(),
      platform,
      'lms-user-42',
      userId,
      now,
      now,
    ),
    sql(
      "INSERT INTO lti_codes (code_hash, user_id, platform_id, launch, created_at, expires_at) VALUES (?, ?, ?, '{}', ?, ?)",
      `code-${platform}`,
      userId,
      platform,
      now,
      now + 60_000,
    ),
    sql(
      'INSERT INTO lti_registration_links (id, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      crypto.randomUUID(),
      `link-${platform}`,
      userId,
      now,
      now + 3_600_000,
    ),
  ]);
}

describe('the nightly erasure', { timeout: BUDGET }, () => {
  it('lists every table with a foreign key to users (the audit log is anonymised instead)', async () => {
    const referring = await sql(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'audit_log' AND sql LIKE '%REFERENCES `users`%' ORDER BY name",
    ).all<{ name: string }>();
    const tables = referring.results.map((table) => table.name);
    // The cascade would delete some of these with the user, but in one statement D1 may cut short.
    expect(tables).toContain('login_history_daily');
    const listed = new Set(USER_OWNED_ROWS.map((rows) => rows.table));
    expect(tables.filter((table) => !listed.has(table))).toEqual([]);
  });

  it('leaves no row anywhere with the user id or any of their addresses, except anonymised audit entries', {
    timeout: 60_000,
  }, async () => {
    const user = await accountWithEverything();
    const bystander = await account('STUDENT');
    expect((await post(`admin/users/${bystander.id}/suspend/`, { reason: 'test' }, { token: user.token })).status).toBe(
      200,
    );
    expect((await post(`admin/users/${bystander.id}/unsuspend/`, {}, { token: user.token })).status).toBe(200);
    await post('login', { email: bystander.email, password: PASSWORD });

    const deleted = await post(
      'me/delete/',
      { password: PASSWORD, mfa_code: user.backupCodes[1] },
      { token: user.token },
    );
    expect(deleted.status).toBe(202);
    const dueAt = Date.parse((await json(deleted)).deletion_due_at);
    const needles = [user.id, user.email, user.firstEmail];
    // Everything this test meant to create is there, in all the tables that hold a user's data.
    const before = new Set((await rowsMentioning(needles)).map((found) => found.table));
    expect([...before].sort()).toEqual([
      'audit_log',
      'backup_codes',
      'login_history',
      'login_history_daily',
      'lti_codes',
      'lti_registration_links',
      'lti_user_links',
      'oauth_accounts',
      'one_time_tokens',
      'passkeys',
      'sessions',
      'users',
      'webauthn_challenges',
    ]);
    const aboutUser = await countWhere(
      'SELECT count(*) AS n FROM audit_log WHERE user_id = ? OR actor_id = ?',
      user.id,
      user.id,
    );
    const bystanderRows = await countWhere('SELECT count(*) AS n FROM login_history WHERE user_id = ?', bystander.id);

    // Not yet due: nothing happens.
    await runNightlyJob(dueAt - 1000);
    expect(await countWhere('SELECT count(*) AS n FROM users WHERE id = ?', user.id)).toBe(1);

    const logs = captureConsole();
    await runNightlyJob(dueAt + 1000);
    const report = JSON.parse(logs.lines.find((line) => line.includes('"msg":"purge"'))!);
    expect(report.accountsErased).toBe(1);

    expect(await rowsMentioning(needles)).toEqual([]);
    const erased = await sql("SELECT user_id FROM audit_log WHERE event = 'account.erased'").all<{ user_id: string }>();
    expect(erased.results).toHaveLength(1);
    const tombstone = erased.results[0]!.user_id;
    expect(tombstone).not.toBe(user.id);
    const kept = await sql(
      'SELECT event, actor_id, ip_address, user_agent, details FROM audit_log WHERE user_id = ? OR actor_id = ?',
      tombstone,
      tombstone,
    ).all<{
      event: string;
      actor_id: string | null;
      ip_address: string | null;
      user_agent: string | null;
      details: string | null;
    }>();
    // Every entry about the user is still there (plus the erasure's own), anonymised.
    expect(kept.results).toHaveLength(aboutUser + 1);
    for (const entry of kept.results) {
      expect(entry.ip_address).toBeNull();
      expect(entry.user_agent).toBeNull();
      expect(entry.details ?? '').not.toContain('@');
    }
    const byEvent = (event: string) => kept.results.find((entry) => entry.event === event);
    // Details keep their JSON types.
    expect(JSON.parse(byEvent('login.succeeded')!.details!)).toMatchObject({
      method: expect.any(String),
      amr: expect.any(Array),
    });
    expect(JSON.parse(byEvent('account.deletion_requested')!.details!)).toMatchObject({
      sessions_revoked: expect.any(Number),
    });
    expect(JSON.parse(byEvent('user.email_changed')!.details!)).toEqual({});
    expect(byEvent('admin.user_suspended')).toMatchObject({ actor_id: tombstone });
    const claimEntry = await sql("SELECT details FROM audit_log WHERE event = 'user.unverified_claim_removed'").first<{
      details: string;
    }>();
    expect(JSON.parse(claimEntry!.details)).toEqual({ replaced_by: tombstone });

    // Nobody else lost anything.
    expect(await countWhere('SELECT count(*) AS n FROM login_history WHERE user_id = ?', bystander.id)).toBe(
      bystanderRows,
    );
    // (Their session of today is gone with the expired ones: the job ran a week ahead.)
    expect((await post('login', { email: bystander.email, password: PASSWORD })).status).toBe(200);
    expect((await json(await post('login', { email: user.email, password: PASSWORD }))).code).toBe(
      'invalid_credentials',
    );
  });

  it('never erases a cancelled deletion, and a cancel link is void once the account is erased', async () => {
    const kept = await registerVerified();
    const keptSession = await json(await post('login', { email: kept.email, password: PASSWORD }));
    await post('me/delete/', { password: PASSWORD }, { token: keptSession.access_token });
    const keptDue = (await sql('SELECT deletion_due_at AS due FROM users WHERE id = ?', kept.id).first<{
      due: number;
    }>())!.due;
    expect(
      (
        await post('me/delete/cancel/', {
          token: tokenFromLink(mail.lastEmailTo(kept.email).text, '/cancel-account-deletion'),
        })
      ).status,
    ).toBe(200);

    const gone = await registerVerified();
    const goneSession = await json(await post('login', { email: gone.email, password: PASSWORD }));
    await post('me/delete/', { password: PASSWORD }, { token: goneSession.access_token });
    const cancelLink = tokenFromLink(mail.lastEmailTo(gone.email).text, '/cancel-account-deletion');
    const goneDue = (await sql('SELECT deletion_due_at AS due FROM users WHERE id = ?', gone.id).first<{
      due: number;
    }>())!.due;

    await runNightlyJob(Math.max(keptDue, goneDue) + 1000);
    expect(await countWhere('SELECT count(*) AS n FROM users WHERE id = ?', kept.id)).toBe(1);
    expect((await post('login', { email: kept.email, password: PASSWORD })).status).toBe(200);
    expect(await countWhere('SELECT count(*) AS n FROM users WHERE id = ?', gone.id)).toBe(0);
    await problem(await post('me/delete/cancel/', { token: cancelLink }), 400, 'invalid_token');
  });

  it('an admin-started deletion is erased the same way', async () => {
    const admin = await staff('ADMIN');
    const target = await account('STUDENT');
    const started = await post(`admin/users/${target.id}/delete/`, {}, { token: admin.access_token });
    const dueAt = Date.parse((await json(started)).deletion_due_at);
    await runNightlyJob(dueAt + 1000);
    expect(await rowsMentioning([target.id, target.email])).toEqual([]);
    // The admin's own entry stays whole: it is about their action, now on a tombstone.
    const entry = await sql(
      "SELECT actor_id FROM audit_log WHERE event = 'admin.user_deletion_requested' AND actor_id = ?",
      admin.id,
    ).first();
    expect(entry).toEqual({ actor_id: admin.id });
  });
});
