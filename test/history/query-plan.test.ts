import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client';
import { historyQuery, statisticsQueries } from '../../src/history/queries';

const db = openDatabase(env.DB);
const userId = '00000000-0000-4000-8000-000000000000';

async function plan(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<string> {
  const { sql, params } = query.toSQL();
  const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return rows.results.map((row) => row.detail).join('\n');
}

describe('query plans', () => {
  it.each([false, true])(
    'login-history (success_only=%s) walks the (user_id, created_at) index, no sort',
    async (successOnly) => {
      const detail = await plan(historyQuery(db, userId, { limit: 50, successOnly }));
      expect(detail).toMatch(/SEARCH login_history USING INDEX login_history_user_time_idx \(user_id=\?/);
      expect(detail).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      expect(detail).not.toMatch(/SCAN login_history/);
    },
  );

  it('login-statistics reads only the roll-ups, by key: one row per day asked', async () => {
    const queries = statisticsQueries(db, userId, new Date());
    expect(queries).toHaveLength(1);
    const detail = await plan(queries[0]);
    expect(detail).toMatch(
      /SEARCH login_history_daily USING INDEX sqlite_autoindex_login_history_daily_1 \(user_id=\? AND day>\?\)/,
    );
    expect(detail).not.toMatch(/login_history /);
  });
});
