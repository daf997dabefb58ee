import { and, count, desc, eq, gte, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { loginHistory } from '../db/schema';
import { locationOf } from '../lib/client-info';

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

export async function loginHistoryOf(db: Database, userId: string, options: HistoryOptions) {
  const rows = await historyQuery(db, userId, options);
  return rows.map((row) => ({
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
  }));
}

/**
 * The seed's statistics, computed by SQLite in one batch over the covering index
 * (user_id, created_at, success, device, browser_name, country): no row is loaded into the worker.
 */
export function statisticsQueries(db: Database, userId: string, since: Date) {
  const inPeriod = and(eq(loginHistory.userId, userId), gte(loginHistory.createdAt, since));
  const grouped = (
    column: typeof loginHistory.device | typeof loginHistory.browserName | typeof loginHistory.country,
  ) =>
    db
      .select({ key: sql<string>`coalesce(${column}, 'Unknown')`, n: count() })
      .from(loginHistory)
      .where(inPeriod)
      .groupBy(sql`1`)
      .orderBy(desc(count()));
  return [
    db
      .select({ total: count(), successful: sql<number>`coalesce(sum(${loginHistory.success}), 0)` })
      .from(loginHistory)
      .where(inPeriod),
    grouped(loginHistory.device),
    grouped(loginHistory.browserName),
    grouped(loginHistory.country),
  ] as const;
}

export async function loginStatisticsOf(db: Database, userId: string, days: number, now = Date.now()) {
  const since = new Date(now - days * 24 * 3600 * 1000);
  const [totals, devices, browsers, countries] = await db.batch(statisticsQueries(db, userId, since));
  const total = totals[0]?.total ?? 0;
  const successful = Number(totals[0]?.successful ?? 0);
  const tally = (rows: Array<{ key: string; n: number }>) => Object.fromEntries(rows.map((row) => [row.key, row.n]));
  return {
    total_attempts: total,
    successful_logins: successful,
    failed_logins: total - successful,
    success_rate: total === 0 ? 0 : Math.round((successful / total) * 10_000) / 100,
    devices: tally(devices),
    browsers: tally(browsers),
    countries: tally(countries),
    period_days: days,
  };
}
