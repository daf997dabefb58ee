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
      expect(detail).toMatch(/SEARCH login_history USING INDEX login_history_user_(time|stats)_idx \(user_id=\?/);
      expect(detail).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      expect(detail).not.toMatch(/SCAN login_history/);
    },
  );

  it('login-statistics reads only the covering index', async () => {
    for (const query of statisticsQueries(db, userId, new Date())) {
      const detail = await plan(query);
      expect(detail).toMatch(
        /SEARCH login_history USING COVERING INDEX login_history_user_stats_idx \(user_id=\? AND created_at>\?\)/,
      );
      expect(detail).not.toMatch(/SCAN login_history/);
    }
  });
});
