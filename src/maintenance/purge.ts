import type { Config } from '../config';

const DAY = 24 * 3600 * 1000;
/** Revoked sessions stay a week for the user's and support's view of what happened. */
const REVOKED_SESSION_KEEP = 7 * DAY;
/** D1 limits a query's duration: delete in slices rather than one huge statement. */
const SLICE = 5_000;
const MAX_SLICES = 200;

export interface PurgeReport {
  sessions: number;
  oneTimeTokens: number;
  loginHistory: number;
  loginHistoryDaily: number;
  auditLog: number;
  /** The database's size after the purge (D1's `size_after`), to watch it against D1's 10 GB. */
  databaseBytes: number | null;
}

async function deleteInSlices(db: D1Database, table: string, condition: string, ...params: unknown[]): Promise<number> {
  // rowid: every table has one, including those whose key is not a single `id` column.
  let total = 0;
  for (let slice = 0; slice < MAX_SLICES; slice++) {
    const result = await db
      .prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${condition} LIMIT ${SLICE})`)
      .bind(...params)
      .run();
    total += result.meta.changes;
    if (result.meta.changes < SLICE) break;
  }
  return total;
}

/**
 * The nightly clean-up: expired sessions (and revoked ones after a week), expired single-use
 * tokens, and history (rows and daily roll-ups) and audit rows past their retention. Live data is never touched.
 */
export async function purgeExpired(db: D1Database, config: Config, now = Date.now()): Promise<PurgeReport> {
  const { historyDays, historyDailyDays, auditDays } = config.retention;
  const report = {
    sessions: await deleteInSlices(
      db,
      'sessions',
      'expires_at <= ? OR revoked_at <= ?',
      now,
      now - REVOKED_SESSION_KEEP,
    ),
    oneTimeTokens: await deleteInSlices(db, 'one_time_tokens', 'expires_at <= ?', now),
    loginHistory: await deleteInSlices(db, 'login_history', 'created_at < ?', now - historyDays * DAY),
    // Roll-ups of days wholly past their retention (the day the cut falls in stays, like its last rows).
    loginHistoryDaily: await deleteInSlices(
      db,
      'login_history_daily',
      'day < ?',
      Math.floor((now - historyDailyDays * DAY) / DAY),
    ),
    auditLog: await deleteInSlices(db, 'audit_log', 'created_at < ?', now - auditDays * DAY),
  };
  const size = await db.prepare('SELECT 1').run();
  return { ...report, databaseBytes: size.meta.size_after ?? null };
}
