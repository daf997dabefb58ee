import { createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { captureConsole } from '../helpers/mail';
import { registerVerified, sql } from '../helpers/users';

const DAY = 24 * 3600 * 1000;

async function runCron(at: number, overrides: Record<string, unknown> = {}) {
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: '17 3 * * *' }), {
    ...env,
    ...overrides,
  } as never);
}

async function ids(table: string): Promise<string[]> {
  return (await sql(`SELECT id FROM ${table} ORDER BY id`).all<{ id: string }>()).results.map((row) => row.id);
}

describe('scheduled purge', () => {
  it('removes expired sessions and tokens and old history, and nothing else', async () => {
    const logs = captureConsole();
    const user = await registerVerified();
    const now = Date.now();
    const insertSession = (id: string, expiresAt: number, revokedAt: number | null) =>
      sql(
        'INSERT INTO sessions (id, user_id, refresh_token_hash, created_at, last_used_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        id,
        user.id,
        `hash-${id}`,
        now - DAY,
        now - DAY,
        expiresAt,
        revokedAt,
      ).run();
    await insertSession('s-live', now + DAY, null);
    await insertSession('s-expired', now - 1, null);
    await insertSession('s-revoked-old', now + DAY, now - 8 * DAY);
    await insertSession('s-revoked-recent', now + DAY, now - DAY);

    const insertToken = (id: string, expiresAt: number, usedAt: number | null) =>
      sql(
        "INSERT INTO one_time_tokens (id, user_id, purpose, token_hash, created_at, expires_at, used_at) VALUES (?, ?, 'password_reset', ?, ?, ?, ?)",
        id,
        user.id,
        `token-${id}`,
        now - DAY,
        expiresAt,
        usedAt,
      ).run();
    await sql('DELETE FROM one_time_tokens').run();
    await insertToken('t-live', now + 3600_000, null);
    await insertToken('t-used-live', now + 3600_000, now - 1000);
    await insertToken('t-expired', now - 1, null);

    const insertHistory = (id: string, at: number) =>
      sql(
        "INSERT INTO login_history (id, user_id, email, success, device, created_at) VALUES (?, ?, ?, 1, 'Desktop', ?)",
        id,
        user.id,
        user.email,
        at,
      ).run();
    await sql('DELETE FROM login_history').run();
    await insertHistory('h-recent', now - 10 * DAY);
    await insertHistory('h-old', now - 366 * DAY);
    const insertRollup = (day: number) =>
      sql(
        `INSERT INTO login_history_daily (user_id, day, attempts, successes, tallies) VALUES (?, ?, 1, 1, '{"d":{},"b":{},"c":{}}')`,
        user.id,
        day,
      ).run();
    const today = Math.floor(now / DAY);
    await sql('DELETE FROM login_history_daily').run();
    // The day the retention's cut falls in stays (like its newest rows); the day before it goes.
    for (const day of [today - 10, today - 365, today - 366, today - 400]) await insertRollup(day);
    const insertAudit = (id: string, at: number) =>
      sql("INSERT INTO audit_log (id, event, user_id, created_at) VALUES (?, 'logout', ?, ?)", id, user.id, at).run();
    await sql('DELETE FROM audit_log').run();
    await insertAudit('a-recent', now - 400 * DAY);
    await insertAudit('a-old', now - 731 * DAY);

    await runCron(now);

    expect(await ids('sessions')).toEqual(['s-live', 's-revoked-recent']);
    expect(await ids('one_time_tokens')).toEqual(['t-live', 't-used-live']);
    expect(await ids('login_history')).toEqual(['h-recent']);
    expect(await ids('audit_log')).toEqual(['a-recent']);
    const days = await sql('SELECT day FROM login_history_daily ORDER BY day DESC').all<{ day: number }>();
    const cut = Math.floor((now - 365 * DAY) / DAY);
    expect(days.results.map((row) => row.day)).toEqual([today - 10, today - 365].filter((day) => day >= cut));
    expect(days.results.map((row) => row.day)).toContain(today - 10);
    expect(await ids('users')).toEqual([user.id]);
    const line = logs.lines.find((entry) => entry.includes('"msg":"purge"'));
    expect(JSON.parse(line!)).toMatchObject({ sessions: 2, oneTimeTokens: 1, loginHistory: 1, auditLog: 1 });
    expect(JSON.parse(line!).loginHistoryDaily).toBe(4 - days.results.length);
  });

  it('keeps the roll-ups for HISTORY_DAILY_RETENTION_DAYS when set, and reports the database size', async () => {
    const logs = captureConsole();
    const user = await registerVerified();
    const today = Math.floor(Date.now() / DAY);
    await sql('DELETE FROM login_history_daily').run();
    for (const day of [today - 40, today - 200]) {
      await sql(
        `INSERT INTO login_history_daily (user_id, day, attempts, successes, tallies) VALUES (?, ?, 1, 1, '{"d":{},"b":{},"c":{}}')`,
        user.id,
        day,
      ).run();
    }
    await runCron(Date.now(), { HISTORY_RETENTION_DAYS: '30', HISTORY_DAILY_RETENTION_DAYS: '100' });
    const days = await sql('SELECT day FROM login_history_daily').all<{ day: number }>();
    expect(days.results.map((row) => row.day)).toEqual([today - 40]);
    const line = JSON.parse(logs.lines.find((entry) => entry.includes('"msg":"purge"'))!);
    expect(line.databaseBytes).toBeGreaterThan(0);
    logs.restore();
  });

  it('removes expired WebAuthn challenges, used or not, and keeps live ones', async () => {
    const user = await registerVerified();
    const now = Date.now();
    const insertChallenge = (id: string, expiresAt: number, usedAt: number | null, userId: string | null) =>
      sql(
        'INSERT INTO webauthn_challenges (id, challenge_hash, ceremony, user_id, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        id,
        `hash-${id}`,
        userId ? 'registration' : 'authentication',
        userId,
        now - 600_000,
        expiresAt,
        usedAt,
      ).run();
    await insertChallenge('c-live', now + 60_000, null, null);
    await insertChallenge('c-used-live', now + 60_000, now - 1000, user.id);
    await insertChallenge('c-expired', now - 1, null, null);
    await insertChallenge('c-expired-used', now - 1, now - 120_000, user.id);
    await runCron(now);
    expect(await ids('webauthn_challenges')).toEqual(['c-live', 'c-used-live']);
  });

  it('follows HISTORY_RETENTION_DAYS', async () => {
    const user = await registerVerified();
    await sql(
      "INSERT INTO login_history (id, user_id, email, success, device, created_at) VALUES ('h-40', ?, ?, 1, 'Desktop', ?)",
      user.id,
      user.email,
      Date.now() - 40 * DAY,
    ).run();
    await runCron(Date.now(), { HISTORY_RETENTION_DAYS: '30' });
    expect(await ids('login_history')).not.toContain('h-40');
  });
});
