import { inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { users } from '../db/schema';
import { randomDigits } from '../lib/crypto';

const MAX = 30;
const FALLBACK = 'user';

/** A username shape (3–30 of [A-Za-z0-9_.-]) from the first profile hint that yields one. */
export function usernameBase(hints: readonly string[]): string {
  for (const hint of hints) {
    const cleaned = hint
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .trim()
      .replace(/\s+/g, '.')
      .replace(/[^A-Za-z0-9_.-]+/g, '')
      .replace(/^[._-]+/, '')
      .slice(0, MAX)
      .replace(/[._-]+$/, '');
    if (cleaned.length >= 3) return cleaned;
  }
  return FALLBACK;
}

function withSuffix(base: string, suffix: string): string {
  return `${base.slice(0, MAX - suffix.length - 1).replace(/[._-]+$/, '')}_${suffix}`;
}

/**
 * The base itself when free, else the base with a random numeric suffix: a handful of candidates
 * checked in one query. Random rather than sequential suffixes, so two people named alike who sign
 * up at the same moment do not race for the same "_2".
 */
export async function availableUsername(db: Database, hints: readonly string[]): Promise<string> {
  const base = usernameBase(hints);
  const candidates = [base, ...[4, 4, 4, 6, 8].map((length) => withSuffix(base, randomDigits(length)))];
  const taken = await db
    .select({ name: sql<string>`lower(${users.username})` })
    .from(users)
    .where(
      inArray(
        sql`lower(${users.username})`,
        candidates.map((candidate) => candidate.toLowerCase()),
      ),
    );
  const takenNames = new Set(taken.map((row) => row.name));
  return candidates.find((candidate) => !takenNames.has(candidate.toLowerCase())) ?? withSuffix(base, randomDigits(12));
}
