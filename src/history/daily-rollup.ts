import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { type DailyTallies, loginHistoryDaily } from '../db/schema';

export const DAY_MS = 24 * 3600 * 1000;

/** The UTC day of a time, as days since 1970-01-01: the roll-ups' key. */
export function dayOf(time: Date | number): number {
  return Math.floor((typeof time === 'number' ? time : time.getTime()) / DAY_MS);
}

/**
 * A tally's key: the statistics' own label ('Unknown' when absent), without the characters that
 * would end a quoted label in a JSON path. Browser families come from ua-parser-js's fixed names
 * and countries from Intl's English names, so real keys never lose anything.
 */
export function tallyKey(value: string | null): string {
  return (value ?? '').replace(/["\\]/g, '').slice(0, 64) || 'Unknown';
}

export interface TalliedAttempt {
  success: boolean;
  device: string;
  browserName: string | null;
  country: string | null;
}

/**
 * Counts one attempt in its user's roll-up of the day: creates the day's row, or adds one to its
 * totals and to each key's tally inside SQLite (json_set), so that concurrent sign-ins of the same
 * user never lose a count. Run it in the same batch as the history row.
 */
export function countInDailyRollup(db: Database, userId: string, at: Date, attempt: TalliedAttempt) {
  const keys = { d: tallyKey(attempt.device), b: tallyKey(attempt.browserName), c: tallyKey(attempt.country) };
  const tallies = loginHistoryDaily.tallies;
  const increments = (Object.keys(keys) as Array<keyof DailyTallies>).map((dimension) => {
    const path = `$.${dimension}."${keys[dimension]}"`;
    return sql`${path}, coalesce(json_extract(${tallies}, ${path}), 0) + 1`;
  });
  return db
    .insert(loginHistoryDaily)
    .values({
      userId,
      day: dayOf(at),
      attempts: 1,
      successes: attempt.success ? 1 : 0,
      tallies: { d: { [keys.d]: 1 }, b: { [keys.b]: 1 }, c: { [keys.c]: 1 } },
    })
    .onConflictDoUpdate({
      target: [loginHistoryDaily.userId, loginHistoryDaily.day],
      set: {
        attempts: sql`${loginHistoryDaily.attempts} + 1`,
        successes: sql`${loginHistoryDaily.successes} + excluded.successes`,
        tallies: sql`json_set(${tallies}, ${sql.join(increments, sql`, `)})`,
      },
    });
}

/** Sums of attempts, successes and per-key tallies over the roll-ups of a period. */
export class StatisticsTotals {
  attempts = 0;
  successes = 0;
  readonly tallies: DailyTallies = { d: {}, b: {}, c: {} };

  addRollup(row: { attempts: number; successes: number; tallies: DailyTallies }): void {
    this.attempts += row.attempts;
    this.successes += row.successes;
    for (const dimension of ['d', 'b', 'c'] as const) {
      for (const [key, n] of Object.entries(row.tallies[dimension] ?? {})) this.count(dimension, key, n);
    }
  }

  private count(dimension: keyof DailyTallies, key: string, n: number): void {
    this.tallies[dimension][key] = (this.tallies[dimension][key] ?? 0) + n;
  }

  /** One dimension's tallies, most frequent first (ties by name, so answers are stable). */
  ranked(dimension: keyof DailyTallies): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.tallies[dimension]).sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
}
