import { eraseDueAccounts } from '../accounts/erasure';
import type { Config } from '../config';

const DAY = 24 * 3600 * 1000;
/** Revoked sessions stay a week for the user's and support's view of what happened. */
const REVOKED_SESSION_KEEP = 7 * DAY;
/** D1 limits a query's duration: delete in slices rather than one huge statement (by rowid: not every table has an `id`). */
const SLICE = 5_000;
const MAX_SLICES = 200;

export interface PurgeReport {
  /** Accounts whose deletion grace period ended (accounts/erasure.ts). */
  accountsErased: number;
  sessions: number;
  oneTimeTokens: number;
  webauthnChallenges: number;
  loginHistory: number;
  loginHistoryDaily: number;
  auditLog: number;
  ltiLoginStates: number;
  ltiCodes: number;
  ltiRegistrationLinks: number;
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
 * tokens and WebAuthn challenges, history (rows and daily roll-ups) and audit rows past their
 * retention. Live data is never touched. Accounts whose deletion fell due are erased first.
 */
export async function purgeExpired(db: D1Database, config: Config, now = Date.now()): Promise<PurgeReport> {
  const { historyDays, historyDailyDays, auditDays } = config.retention;
  const report = {
    accountsErased: await eraseDueAccounts(db, now),
    sessions: await deleteInSlices(
      db,
      'sessions',
      'expires_at <= ? OR revoked_at <= ?',
      now,
      now - REVOKED_SESSION_KEEP,
    ),
    oneTimeTokens: await deleteInSlices(db, 'one_time_tokens', 'expires_at <= ?', now),
    webauthnChallenges: await deleteInSlices(db, 'webauthn_challenges', 'expires_at <= ?', now),
    loginHistory: await deleteInSlices(db, 'login_history', 'created_at < ?', now - historyDays * DAY),
    // Roll-ups of days wholly past their retention (the day the cut falls in stays, like its last rows).
    loginHistoryDaily: await deleteInSlices(
      db,
      'login_history_daily',
      'day < ?',
      Math.floor((now - historyDailyDays * DAY) / DAY),
    ),
    auditLog: await deleteInSlices(db, 'audit_log', 'created_at < ?', now - auditDays * DAY),
    // LTI 1.3: logins that never launched, codes never exchanged, registration links past their hour.
    ltiLoginStates: await deleteInSlices(db, 'lti_login_states', 'expires_at <= ?', now),
    ltiCodes: await deleteInSlices(db, 'lti_codes', 'expires_at <= ?', now),
    ltiRegistrationLinks: await deleteInSlices(db, 'lti_registration_links', 'expires_at <= ?', now),
  };
  const size = await db.prepare('SELECT 1').run();
  return { ...report, databaseBytes: size.meta.size_after ?? null };
}
