import { and, desc, eq, gte, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { type Role, users } from '../db/schema';
import { before, pageOf } from './keyset';

export type UserStatus = 'active' | 'suspended' | 'unverified' | 'disabled';

export interface UserSearch {
  q?: string;
  role?: Role;
  status?: UserStatus;
  cursor?: string;
  limit: number;
}

const statusFilter: Record<UserStatus, SQL> = {
  active: sql`${users.isActive} = 1 AND ${users.isSuspended} = 0 AND ${users.isEmailVerified} = 1`,
  suspended: sql`${users.isSuspended} = 1`,
  unverified: sql`${users.isEmailVerified} = 0`,
  disabled: sql`${users.isActive} = 0`,
};

/**
 * Newest first, keyset-paginated. A prefix of the email or username is matched as a range on the
 * email index or on the lower(username) expression index, so a search never scans the table.
 */
export async function searchUsers(db: Database, search: UserSearch) {
  const conditions: SQL[] = [];
  if (search.q) {
    const prefix = search.q.trim().toLowerCase();
    const end = `${prefix}\u{10FFFF}`;
    conditions.push(
      or(
        and(gte(users.email, prefix), lt(users.email, end)),
        and(sql`lower(${users.username}) >= ${prefix}`, sql`lower(${users.username}) < ${end}`),
      ) as SQL,
    );
  }
  if (search.role) conditions.push(eq(users.role, search.role));
  if (search.status) conditions.push(statusFilter[search.status]);
  if (search.cursor) conditions.push(before(search.cursor, users.createdAt, users.id));
  const rows = await db
    .select()
    .from(users)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(search.limit + 1);
  return pageOf(rows, search.limit);
}
