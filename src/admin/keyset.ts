import { type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { validationError } from '../errors';
import { base64url, fromBase64url } from '../lib/crypto';

/** Cursors are opaque to clients: the (created_at, id) of the last row of the previous page. */
function encodeCursor(createdAt: Date, id: string): string {
  return base64url(new TextEncoder().encode(JSON.stringify([createdAt.getTime(), id])));
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const [at, id] = JSON.parse(new TextDecoder().decode(fromBase64url(cursor))) as [unknown, unknown];
    if (typeof at === 'number' && typeof id === 'string') return [at, id];
  } catch {
    // fall through
  }
  throw validationError([{ field: 'cursor', message: 'Invalid cursor' }], 'Invalid cursor');
}

/** Rows strictly after the cursor in (created_at, id) descending order. */
export function before(cursor: string, createdAt: SQLiteColumn, id: SQLiteColumn): SQL {
  const [at, lastId] = decodeCursor(cursor);
  return sql`(${createdAt}, ${id}) < (${at}, ${lastId})`;
}

/** One page from `limit + 1` rows: the extra row only says whether a next page exists. */
export function pageOf<Row extends { createdAt: Date; id: string }>(rows: Row[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
}
