import type { z } from '@hono/zod-openapi';
import { and, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Database } from '../db/client';
import type { User } from '../db/schema';
import { describeError } from '../lib/describe-error';

/** What every section reads from: the database and the user being exported. */
export interface ExportReader {
  db: Database;
  user: User;
  now: Date;
}

/**
 * One member of the export document. A `value` section is read in one go (small and bounded: the
 * profile, two provider links); a `rows` section yields pages and is written as an array one page
 * at a time, so no section ever holds more than a page in memory.
 */
export type ExportSection =
  | { kind: 'value'; key: string; schema: z.ZodType; read: (reader: ExportReader) => Promise<unknown> }
  | { kind: 'rows'; key: string; item: z.ZodType; pages: (reader: ExportReader) => AsyncIterable<unknown[]> };

export function valueSection<T>(
  key: string,
  schema: z.ZodType<T>,
  read: (reader: ExportReader) => Promise<NoInfer<T>>,
): ExportSection {
  return { kind: 'value', key, schema, read };
}

export function rowsSection<T>(
  key: string,
  item: z.ZodType<T>,
  pages: (reader: ExportReader) => AsyncIterable<NoInfer<T>[]>,
): ExportSection {
  return { kind: 'rows', key, item, pages };
}

/** Rows per query and per chunk written: about 1 MB of history at most in memory at once. */
export const EXPORT_PAGE_SIZE = 1000;

/** Where the previous page ended: its last row's creation time and rowid. */
export interface PageEnd {
  at: number;
  rowid: number;
}

/** One page of a user's rows after `after`; exposed for EXPLAIN QUERY PLAN. */
export function pageQuery(
  db: Database,
  table: SQLiteTable,
  owner: SQL | undefined,
  createdAt: SQLiteColumn,
  after: PageEnd | null,
) {
  const rowid = sql<number>`${table}.rowid`;
  return db
    .select({ row: table, rowid })
    .from(table)
    .where(and(owner, after ? sql`(${createdAt}, ${rowid}) > (${after.at}, ${after.rowid})` : undefined))
    .orderBy(createdAt, rowid)
    .limit(EXPORT_PAGE_SIZE);
}

/**
 * One user's rows of `table`, oldest first, a page per query: keyset pagination on (created_at,
 * rowid). The (user_id, created_at) indexes end with the rowid, so each page is an index range read
 * without a sort, and costs the same on the 100th page as on the first (an OFFSET would not).
 */
export async function* pagesOf<Table extends SQLiteTable, Row>(
  db: Database,
  table: Table,
  owner: SQL | undefined,
  createdAt: SQLiteColumn,
  map: (row: Table['$inferSelect']) => Row,
): AsyncGenerator<Row[]> {
  let after: PageEnd | null = null;
  for (;;) {
    const page = (await pageQuery(db, table, owner, createdAt, after)) as unknown as Array<{
      row: Table['$inferSelect'];
      rowid: number;
    }>;
    if (page.length > 0) yield page.map((entry) => map(entry.row));
    const last = page.at(-1);
    if (!last || page.length < EXPORT_PAGE_SIZE) return;
    after = { at: (last.row as { createdAt: Date }).createdAt.getTime(), rowid: last.rowid };
  }
}

export const EXPORT_FORMAT = 'auth-service/account-export';
export const EXPORT_VERSION = 1;

/**
 * Writes the document member by member: the head, each value section, each rows section as an
 * array with one row per line. Pulled by the client: the next page is read only when the previous
 * chunk was taken, so memory holds about one page whatever the size of the history.
 */
async function* documentText(reader: ExportReader, sections: readonly ExportSection[]): AsyncGenerator<string> {
  const head = { format: EXPORT_FORMAT, version: EXPORT_VERSION, exported_at: reader.now.toISOString() };
  yield JSON.stringify(head).slice(0, -1);
  for (const section of sections) {
    const member = `,\n${JSON.stringify(section.key)}:`;
    if (section.kind === 'value') {
      yield `${member}${JSON.stringify(await section.read(reader))}`;
      continue;
    }
    let opening = `${member}[`;
    let separator = '\n';
    for await (const page of section.pages(reader)) {
      if (page.length === 0) continue;
      yield `${opening}${separator}${page.map((row) => JSON.stringify(row)).join(',\n')}`;
      opening = '';
      separator = ',\n';
    }
    yield opening ? `${opening}]` : '\n]';
  }
  yield '\n}\n';
}

/**
 * The export as a byte stream. A failure after the first byte cannot change the status any more:
 * the stream errors (the client sees a truncated download, never a document that looks complete)
 * and the cause is logged.
 */
export function exportStream(
  reader: ExportReader,
  sections: readonly ExportSection[],
  requestId: string,
): ReadableStream<Uint8Array> {
  const text = documentText(reader, sections);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await text.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (error) {
          console.error(
            JSON.stringify({
              level: 'error',
              msg: 'export failed',
              request_id: requestId,
              error: describeError(error),
            }),
          );
          controller.error(error);
        }
      },
      async cancel() {
        await text.return(undefined);
      },
    },
    // Nothing is read ahead of the client: one chunk (a page) waits at most.
    { highWaterMark: 1 },
  );
}
