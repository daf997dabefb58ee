import { and, count, desc, eq, gte, lt } from 'drizzle-orm';
import type { Database } from '../db/client';
import { type DailyTallies, loginHistory, loginHistoryDaily } from '../db/schema';
import { locationOf } from '../lib/client-info';
import { DAY_MS, dayOf, StatisticsTotals } from './daily-rollup';

type HistoryOptions = { limit: number; successOnly: boolean };

/** The history query, newest first on the (user_id, created_at) index; exposed for EXPLAIN. */
export function historyQuery(db: Database, userId: string, options: HistoryOptions) {
  return db
    .select()
    .from(loginHistory)
    .where(and(eq(loginHistory.userId, userId), options.successOnly ? eq(loginHistory.success, true) : undefined))
    .orderBy(desc(loginHistory.createdAt))
    .limit(options.limit);
}

/** One history row as the API shows it. */
export function historyView(row: typeof loginHistory.$inferSelect) {
  return {
    id: row.id,
    success: row.success,
    failure_reason: row.failureReason,
    ip_address: row.ipAddress,
    location: locationOf(row.city, row.country),
    country: row.country,
    city: row.city,
    device: row.device,
    browser: row.browser,
    os: row.os,
    suspicious: row.suspicious,
    login_at: row.createdAt.toISOString(),
  };
}

/**
 * The statistics' queries, one batch whose cost depends on the days asked, not on the rows: the
 * roll-ups of every whole UTC day in the period (one row per day, primary key), plus the raw rows
 * of the period's first, partial day (at most a day of one user's attempts, grouped by SQLite).
 */
export function statisticsQueries(db: Database, userId: string, since: Date) {
  const firstWholeDay = dayOf(since) + 1;
  const partialDay = and(
    eq(loginHistory.userId, userId),
    gte(loginHistory.createdAt, since),
    lt(loginHistory.createdAt, new Date(firstWholeDay * DAY_MS)),
  );
  return [
    db
      .select({
        attempts: loginHistoryDaily.attempts,
        successes: loginHistoryDaily.successes,
        tallies: loginHistoryDaily.tallies,
      })
      .from(loginHistoryDaily)
      .where(and(eq(loginHistoryDaily.userId, userId), gte(loginHistoryDaily.day, firstWholeDay))),
    db
      .select({
        success: loginHistory.success,
        device: loginHistory.device,
        browserName: loginHistory.browserName,
        country: loginHistory.country,
        n: count(),
      })
      .from(loginHistory)
      .where(partialDay)
      .groupBy(loginHistory.success, loginHistory.device, loginHistory.browserName, loginHistory.country),
  ] as const;
}

export type StatisticsRows = readonly [
  Array<{ attempts: number; successes: number; tallies: DailyTallies }>,
  Array<{ success: boolean; device: string; browserName: string | null; country: string | null; n: number }>,
];

/** The seed's statistics body from the rows of `statisticsQueries`. */
export function statisticsFrom([rollups, partialDay]: StatisticsRows, days: number) {
  const totals = new StatisticsTotals();
  for (const row of rollups) totals.addRollup(row);
  for (const row of partialDay) totals.addAttempts(row, row.n);
  const { attempts, successes } = totals;
  return {
    total_attempts: attempts,
    successful_logins: successes,
    failed_logins: attempts - successes,
    success_rate: attempts === 0 ? 0 : Math.round((successes / attempts) * 10_000) / 100,
    devices: totals.ranked('d'),
    browsers: totals.ranked('b'),
    countries: totals.ranked('c'),
    period_days: days,
  };
}

export function statisticsSince(days: number, now = Date.now()): Date {
  return new Date(now - days * DAY_MS);
}

export async function loginStatisticsOf(db: Database, userId: string, days: number, now = Date.now()) {
  return statisticsFrom(await db.batch(statisticsQueries(db, userId, statisticsSince(days, now))), days);
}
