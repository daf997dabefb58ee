import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dailyRollupsBackfillSql } from '../../scripts/daily-rollups-backfill.mjs';
import { openDatabase } from '../../src/db/client';
import { countInDailyRollup, DAY_MS, dayOf, tallyKey } from '../../src/history/daily-rollup';
import { loginStatisticsOf, statisticsQueries, statisticsSince } from '../../src/history/queries';
import { get, json, PASSWORD } from '../helpers/api';
import { AGENTS, BRUSSELS, LYON, PARIS, signInFrom as signIn, TOKYO } from '../helpers/clients';
import { registerVerified, sql } from '../helpers/users';

const db = openDatabase(env.DB);
afterEach(() => vi.useRealTimers());

interface RollupRow {
  day: number;
  attempts: number;
  successes: number;
  tallies: string;
}

async function rollupsOf(userId: string) {
  const { results } = await sql(
    'SELECT day, attempts, successes, tallies FROM login_history_daily WHERE user_id = ? ORDER BY day',
    userId,
  ).all<RollupRow>();
  return results.map((row) => ({ ...row, tallies: JSON.parse(row.tallies) }));
}

/** The statistics counted straight from login_history, the way they were computed before roll-ups. */
async function countedFromRows(userId: string, since: number) {
  const where = 'WHERE user_id = ? AND created_at >= ?';
  const [totals, devices, browsers, countries] = await env.DB.batch<Record<string, any>>([
    sql(`SELECT count(*) AS total, coalesce(sum(success), 0) AS ok FROM login_history ${where}`, userId, since),
    ...['device', 'browser_name', 'country'].map((column) =>
      sql(
        `SELECT coalesce(${column}, 'Unknown') AS k, count(*) AS n FROM login_history ${where} GROUP BY 1`,
        userId,
        since,
      ),
    ),
  ]);
  const tally = (rows: Array<Record<string, any>>) => Object.fromEntries(rows.map((row) => [row.k, row.n]));
  return {
    total: totals!.results[0]!.total,
    ok: totals!.results[0]!.ok,
    devices: tally(devices!.results),
    browsers: tally(browsers!.results),
    countries: tally(countries!.results),
  };
}

/** Raw history rows of one user, `count` of them spread over `spanDays` before now, without roll-ups. */
async function insertRawHistory(user: { id: string; email: string }, count: number, spanDays: number, now: number) {
  const devices = ['Desktop', 'Mobile', 'Tablet', 'Other'];
  const browsers = ['Chrome', 'Firefox', 'Mobile Safari', null];
  const countries = ['France', 'Belgium', 'Japan', null];
  const statements = [];
  for (let i = 0; i < count; i++) {
    // A fixed, uneven spread: some days see many attempts, some none.
    const at = now - ((i * 7919) % (spanDays * 24 * 60)) * 60_000 - (i % 1000);
    statements.push(
      sql(
        'INSERT INTO login_history (id, user_id, email, success, device, browser_name, country, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        crypto.randomUUID(),
        user.id,
        user.email,
        i % 5 !== 0 ? 1 : 0,
        devices[i % 4],
        browsers[(i >> 2) % 4],
        countries[(i >> 4) % 4],
        at,
      ),
    );
  }
  for (let i = 0; i < statements.length; i += 500) await env.DB.batch(statements.slice(i, i + 500));
}

describe('daily roll-ups of the history', () => {
  it('count every recorded attempt in one row per user and UTC day, as the rows do', async () => {
    const user = await registerVerified();
    const dayStart = (Math.floor(Date.now() / DAY_MS) + 1) * DAY_MS;
    // Just before a UTC midnight, then just after it: two days.
    vi.useFakeTimers({ now: dayStart - 60_000, toFake: ['Date'] });
    await signIn(user.email, AGENTS.chromeWindows, PARIS);
    await signIn(user.email, AGENTS.safariIphone, LYON, undefined, 'Wrong-Password1!');
    vi.useFakeTimers({ now: dayStart + 60_000, toFake: ['Date'] });
    await signIn(user.email, AGENTS.ipad, BRUSSELS);
    await signIn(user.email, AGENTS.bot, undefined);
    await signIn(user.email, AGENTS.ipad, BRUSSELS, undefined, 'Wrong-Password1!');

    expect(await rollupsOf(user.id)).toEqual([
      {
        day: dayOf(dayStart) - 1,
        attempts: 2,
        successes: 1,
        tallies: { d: { Desktop: 1, Mobile: 1 }, b: { Chrome: 1, 'Mobile Safari': 1 }, c: { France: 2 } },
      },
      {
        day: dayOf(dayStart),
        attempts: 3,
        successes: 2,
        tallies: { d: { Tablet: 2, Other: 1 }, b: { 'Mobile Safari': 2, Unknown: 1 }, c: { Belgium: 2, Unknown: 1 } },
      },
    ]);
    // The backfill script rebuilds exactly what the live path wrote.
    const written = await rollupsOf(user.id);
    await env.DB.prepare(dailyRollupsBackfillSql()).run();
    expect(await rollupsOf(user.id)).toEqual(written);
  });

  it('lose no count when sign-ins of one user run concurrently', async () => {
    const user = await registerVerified();
    // Five at once: the lockout lets at most LOCKOUT_THRESHOLD checks of one email run together.
    const places = [PARIS, LYON, BRUSSELS, TOKYO, PARIS];
    const answers = await Promise.all(
      places.map((place, i) => signIn(user.email, AGENTS.chromeWindows, place, `198.51.100.${i}`)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(5).fill(200));
    const [today] = await rollupsOf(user.id);
    expect(today).toMatchObject({ attempts: 5, successes: 5 });
    expect(today!.tallies.c).toEqual({ France: 3, Belgium: 1, Japan: 1 });
  });

  it('answer login-statistics/ exactly as counting the rows would, for every period of whole UTC days', async () => {
    const user = await registerVerified();
    const now = Date.now();
    await insertRawHistory(user, 1200, 400, now);
    await env.DB.prepare(dailyRollupsBackfillSql()).run();
    for (const days of [1, 2, 7, 30, 90, 365]) {
      const since = statisticsSince(days, now).getTime();
      // The period starts at the UTC midnight of the day `days` × 24 h ago.
      expect(since % DAY_MS).toBe(0);
      expect(since).toBeLessThanOrEqual(now - days * DAY_MS);
      expect(since).toBeGreaterThan(now - (days + 1) * DAY_MS);
      const expected = await countedFromRows(user.id, since);
      const stats = await loginStatisticsOf(db, user.id, days, now);
      expect({ days, ...stats }).toEqual({
        days,
        total_attempts: expected.total,
        successful_logins: expected.ok,
        failed_logins: expected.total - expected.ok,
        success_rate: expected.total === 0 ? 0 : Math.round((expected.ok / expected.total) * 10_000) / 100,
        devices: expected.devices,
        browsers: expected.browsers,
        countries: expected.countries,
        period_days: days,
      });
      // Ranked: most frequent first.
      const counts = Object.values(stats.countries);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
    }
  });

  it('read rows in proportion to the days asked, not to the history', async () => {
    const user = await registerVerified();
    const now = Date.now();
    await insertRawHistory(user, 3000, 365, now);
    await env.DB.prepare(dailyRollupsBackfillSql()).run();
    const rowsRead = async (days: number) => {
      const queries = statisticsQueries(db, user.id, statisticsSince(days, now)).map((query) => {
        const { sql: text, params } = query.toSQL();
        return env.DB.prepare(text).bind(...params);
      });
      const results = await env.DB.batch(queries);
      return results.reduce((sum, result) => sum + result.meta.rows_read, 0);
    };
    const [rowsIn30, rowsIn365] = await Promise.all(
      [30, 365].map(async (days) => (await countedFromRows(user.id, statisticsSince(days, now).getTime())).total),
    );
    expect(rowsIn365).toBeGreaterThan(2500);
    // One roll-up per day of the period (31 at most for 30 days), whatever the days hold.
    expect(await rowsRead(30)).toBeLessThanOrEqual(31 + 1);
    expect(await rowsRead(30)).toBeLessThan(rowsIn30 / 4);
    expect(await rowsRead(365)).toBeLessThanOrEqual(366 + 1);
  });

  it('keep keys that a JSON path could not quote, minus the quotes', async () => {
    const user = await registerVerified();
    const at = new Date();
    const attempt = { success: true, device: 'Desktop', browserName: 'Odd "Browser" \\ 1', country: null };
    await db.batch([
      countInDailyRollup(db, user.id, at, attempt),
      countInDailyRollup(db, user.id, at, { ...attempt, success: false }),
    ]);
    const [row] = await rollupsOf(user.id);
    expect(row).toMatchObject({ attempts: 2, successes: 1 });
    expect(row!.tallies.b).toEqual({ 'Odd Browser  1': 2 });
    expect(tallyKey('')).toBe('Unknown');
    expect(tallyKey('x'.repeat(100))).toHaveLength(64);
  });

  it('belong to the user: deleting the account deletes them', async () => {
    const user = await registerVerified();
    await signIn(user.email, AGENTS.chromeWindows, PARIS, undefined, PASSWORD);
    expect(await rollupsOf(user.id)).toHaveLength(1);
    await sql('DELETE FROM users WHERE id = ?', user.id).run();
    expect(await rollupsOf(user.id)).toHaveLength(0);
  });

  it('serve the statistics endpoint', async () => {
    const user = await registerVerified();
    await signIn(user.email, AGENTS.chromeWindows, PARIS, undefined, 'Wrong-Password1!');
    const { access_token } = await json(await signIn(user.email, AGENTS.safariIphone, TOKYO));
    expect(await json(await get('login-statistics/?days=1', { token: access_token }))).toEqual({
      total_attempts: 2,
      successful_logins: 1,
      failed_logins: 1,
      success_rate: 50,
      devices: { Desktop: 1, Mobile: 1 },
      browsers: { Chrome: 1, 'Mobile Safari': 1 },
      countries: { France: 1, Japan: 1 },
      period_days: 1,
    });
  });
});
