import { and, desc, eq, gte, lte, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { auditLog } from '../db/schema';
import { before, pageOf } from './keyset';

export interface AuditSearch {
  user_id?: string;
  actor_id?: string;
  event?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

/** Newest first, keyset-paginated; each filter has an index led by its column. */
export async function searchAudit(db: Database, search: AuditSearch) {
  const conditions: SQL[] = [];
  if (search.user_id) conditions.push(eq(auditLog.userId, search.user_id));
  if (search.actor_id) conditions.push(eq(auditLog.actorId, search.actor_id));
  if (search.event) conditions.push(eq(auditLog.event, search.event));
  if (search.from) conditions.push(gte(auditLog.createdAt, search.from));
  if (search.to) conditions.push(lte(auditLog.createdAt, search.to));
  if (search.cursor) conditions.push(before(search.cursor, auditLog.createdAt, auditLog.id));
  const rows = await db
    .select()
    .from(auditLog)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(search.limit + 1);
  const { page, nextCursor } = pageOf(rows, search.limit);
  return {
    entries: page.map((row) => ({
      id: row.id,
      event: row.event,
      user_id: row.userId,
      actor_id: row.actorId,
      ip_address: row.ipAddress,
      user_agent: row.userAgent,
      details: row.details,
      created_at: row.createdAt.toISOString(),
    })),
    next_cursor: nextCursor,
  };
}
