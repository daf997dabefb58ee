import { and, desc, eq, gte } from 'drizzle-orm';
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
 * The statistics' query: the roll-ups of the period's UTC days (one row per day, primary key range),
 * so its cost depends on the days asked, never on how many attempts a day holds.
 */
export function statisticsQueries(db: Database, userId: string, since: Date) {
  return [
    db
      .select({
        attempts: loginHistoryDaily.attempts,
        successes: loginHistoryDaily.successes,
        tallies: loginHistoryDaily.tallies,
      })
      .from(loginHistoryDaily)
      .where(and(eq(loginHistoryDaily.userId, userId), gte(loginHistoryDaily.day, dayOf(since)))),
  ] as const;
}

export type StatisticsRows = readonly [Array<{ attempts: number; successes: number; tallies: DailyTallies }>];

/** The seed's statistics body from the rows of `statisticsQueries`. */
export function statisticsFrom([rollups]: StatisticsRows, days: number) {
  const totals = new StatisticsTotals();
  for (const row of rollups) totals.addRollup(row);
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

/**
 * Where a period of `days` starts: at the UTC midnight that opens the day `days` × 24 h ago. The
 * period is made of whole UTC days (the roll-ups' unit), so it covers the last `days` × 24 hours
 * and at most one day more: counting the first day's raw rows instead would cost as many reads as
 * that day has attempts, which an attacker controls.
 */
export function statisticsSince(days: number, now = Date.now()): Date {
  return new Date(dayOf(now - days * DAY_MS) * DAY_MS);
}

export async function loginStatisticsOf(db: Database, userId: string, days: number, now = Date.now()) {
  return statisticsFrom(await db.batch(statisticsQueries(db, userId, statisticsSince(days, now))), days);
}
