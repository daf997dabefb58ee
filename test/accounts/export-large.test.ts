import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { EXPORT_PAGE_SIZE, pageQuery } from '../../src/accounts/export-stream';
import { openDatabase } from '../../src/db/client';
import { auditLog, loginHistory } from '../../src/db/schema';
import { get } from '../helpers/api';
import { signedInUser, sql } from '../helpers/users';

const HISTORY_ROWS = 100_000;
const SEED_BATCH = 10_000;
/** Rows per timestamp: ties straddle page boundaries, so the rowid tie-break is exercised. */
const ROWS_PER_MILLISECOND = 3;

/** The i-th seeded row's id: a valid v4 UUID that sorts with i. */
const seededId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/**
 * 100,000 sign-ins in SQL, 10,000 per statement (a recursive CTE), oldest first. D1 binds numbers
 * as REAL: the casts keep created_at an integer number of milliseconds, as the service writes it.
 */
async function seedHistory(userId: string, email: string, start: number): Promise<void> {
  for (let first = 1; first <= HISTORY_ROWS; first += SEED_BATCH) {
    await sql(
      `WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       INSERT INTO login_history (id, user_id, email, success, failure_reason, method, ip_address, user_agent,
         device, browser, browser_name, os, country, country_code, city, region, latitude, longitude, timezone,
         suspicious, created_at)
       SELECT printf('00000000-0000-4000-8000-%012d', i), ?3, ?4, i % 7 <> 0,
         CASE WHEN i % 7 = 0 THEN 'invalid_credentials' END, 'password', '203.0.113.' || (i % 250),
         'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
         'Desktop', 'Chrome 120', 'Chrome', 'Windows 10', 'France', 'FR', 'Paris', 'Île-de-France', 48.8566, 2.3522,
         'Europe/Paris', 0, CAST(?5 AS INTEGER) + CAST(i AS INTEGER) / ${ROWS_PER_MILLISECOND}
       FROM n`,
      first,
      first + SEED_BATCH - 1,
      userId,
      email,
      start,
    ).run();
  }
}

/**
 * Reads the streamed document line by line, as a client with bounded memory would: each history
 * row is parsed and checked on its own, and what is not a row (the skeleton) is kept to be parsed
 * whole at the end. `onRow` runs after each history row, while the stream is still open.
 */
async function readExport(response: Response, onRow: (count: number) => Promise<void>) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const skeleton: string[] = [];
  let rowsSection: string | null = null;
  let pending = '';
  let chunks = 0;
  let largestChunkRows = 0;
  const history: Array<{ id: string; login_at: string }> = [];
  const handle = async (line: string) => {
    if (rowsSection) {
      if (line.startsWith(']')) {
        rowsSection = null;
        skeleton.push(line);
        return;
      }
      const row = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line);
      if (rowsSection === 'login_history') {
        // Only what the assertions need: the id and time of each row, not the whole row.
        history.push({ id: row.id, login_at: row.login_at });
        await onRow(history.length);
      }
      return;
    }
    skeleton.push(line);
    const opening = /^"(\w+)":\[$/.exec(line);
    if (opening) rowsSection = opening[1]!;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    largestChunkRows = Math.max(largestChunkRows, value.match(/\n\{/g)?.length ?? 0);
    pending += value;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) await handle(line);
  }
  if (pending) await handle(pending);
  return { skeleton: JSON.parse(skeleton.join('\n')), history, chunks, largestChunkRows };
}

describe('GET me/export/ with a large history', () => {
  // Budget on a busy 2-core machine: seeding ~3 s, the export ~20 s; 120 s leaves room for load.
  it('streams 100,000 sign-ins page by page, complete and in order, without loading them at once', {
    timeout: 120_000,
  }, async () => {
    const user = await signedInUser();
    await sql('DELETE FROM login_history WHERE user_id = ?', user.id).run();
    const start = Date.UTC(2026, 0, 1);
    await seedHistory(user.id, user.email, start);
    expect(await sql('SELECT count(*) AS n FROM login_history WHERE user_id = ?', user.id).first()).toEqual({
      n: HISTORY_ROWS,
    });

    const response = await get('me/export/', { token: user.access_token });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Length')).toBeNull();

    // How memory is shown to be bounded: once 5,000 rows have reached the client, a row is added
    // that sorts after every other. It can only appear in the document if the tail of the history
    // was read from D1 after the head was sent, i.e. the rows were never gathered into one array
    // (one query, or any full read before streaming, would have missed it). Chunks of at most one
    // page (EXPORT_PAGE_SIZE rows) show the stream holds a page at a time, not the history.
    const lateId = 'ffffffff-ffff-4fff-bfff-ffffffffffff';
    const { skeleton, history, chunks, largestChunkRows } = await readExport(response, async (count) => {
      if (count !== 5_000) return;
      await sql(
        "INSERT INTO login_history (id, user_id, email, success, device, created_at) VALUES (?, ?, ?, 1, 'Desktop', ?)",
        lateId,
        user.id,
        user.email,
        start + HISTORY_ROWS,
      ).run();
    });

    expect(history).toHaveLength(HISTORY_ROWS + 1);
    for (let i = 0; i < HISTORY_ROWS; i++) {
      if (history[i]!.id !== seededId(i + 1)) throw new Error(`row ${i}: ${history[i]!.id}`);
    }
    expect(history.at(-1)!.id).toBe(lateId);
    expect(history[0]!.login_at).toBe(new Date(start).toISOString());
    expect(chunks).toBeGreaterThanOrEqual(HISTORY_ROWS / EXPORT_PAGE_SIZE);
    expect(largestChunkRows).toBeLessThanOrEqual(EXPORT_PAGE_SIZE);
    // The rest of the document is whole and valid: every member, the history array closed.
    expect(skeleton).toMatchObject({ format: 'auth-service/account-export', profile: { id: user.id } });
    expect(skeleton.login_history).toEqual([]);
    expect(Object.keys(skeleton).at(-1)).toBe('audit_entries');
  });

  it('reads every page as an index range, without a sort or a table scan', async () => {
    const db = openDatabase(env.DB);
    const userId = '00000000-0000-4000-8000-000000000000';
    const tables = [
      [loginHistory, eq(loginHistory.userId, userId), loginHistory.createdAt, 'login_history_user_(time|stats)_idx'],
      [auditLog, eq(auditLog.userId, userId), auditLog.createdAt, 'audit_log_user_idx'],
    ] as const;
    for (const [table, owner, createdAt, index] of tables) {
      for (const after of [null, { at: 1_700_000_000_000, rowid: 42 }]) {
        const { sql: text, params } = pageQuery(db, table, owner, createdAt, after).toSQL();
        const plan = (
          await env.DB.prepare(`EXPLAIN QUERY PLAN ${text}`)
            .bind(...params)
            .all<{ detail: string }>()
        ).results
          .map((row) => row.detail)
          .join('\n');
        expect(plan).toMatch(new RegExp(`SEARCH \\w+ USING (COVERING )?INDEX ${index} \\(user_id=\\?`));
        expect(plan).not.toMatch(/TEMP B-TREE/);
        expect(plan).not.toMatch(/SCAN/);
      }
    }
  });
});
