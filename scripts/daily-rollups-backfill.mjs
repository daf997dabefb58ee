// Rebuilds login_history_daily (the per-user daily roll-ups behind login-statistics/) from
// login_history: for a database whose history predates the roll-ups, and for the bench's seeds.
//
//   node scripts/daily-rollups-backfill.mjs > backfill.sql
//   npx wrangler d1 execute DB --remote --file backfill.sql
//
// Each (user, day) it covers is recomputed from that day's rows and replaces what was there, so it
// can run again safely. `--from-day` / `--to-day` (UTC days since 1970-01-01, to excluded) limit it
// to whole days, to keep each statement within D1's query time on a large table.
import { pathToFileURL } from 'node:url';

const DAY_MS = 86_400_000;

/** The service's tally key (src/history/daily-rollup.ts `tallyKey`), as SQL. */
const key = (column) =>
  `coalesce(nullif(substr(replace(replace(coalesce(${column}, ''), '"', ''), '\\', ''), 1, 64), ''), 'Unknown')`;

/** One dimension's `{key: attempts}` object per (user, day). */
const tally = (name, column) => `${name} AS (
  SELECT user_id, day, json_group_object(k, n) AS o
  FROM (SELECT user_id, day, ${key(column)} AS k, count(*) AS n FROM picked GROUP BY user_id, day, k)
  GROUP BY user_id, day
)`;

/** The statement; days are whole UTC days (numbers), both optional. */
export function dailyRollupsBackfillSql({ fromDay, toDay } = {}) {
  const range = [
    'user_id IS NOT NULL',
    fromDay === undefined ? null : `created_at >= ${Number(fromDay) * DAY_MS}`,
    toDay === undefined ? null : `created_at < ${Number(toDay) * DAY_MS}`,
  ].filter(Boolean);
  return `WITH picked AS MATERIALIZED (
  SELECT user_id, created_at / ${DAY_MS} AS day, success, device, browser_name, country
  FROM login_history WHERE ${range.join(' AND ')}
),
totals AS (SELECT user_id, day, count(*) AS attempts, sum(success) AS successes FROM picked GROUP BY user_id, day),
${tally('devices', 'device')},
${tally('browsers', 'browser_name')},
${tally('countries', 'country')}
INSERT OR REPLACE INTO login_history_daily (user_id, day, attempts, successes, tallies)
SELECT totals.user_id, totals.day, totals.attempts, totals.successes,
  json_object('d', json(devices.o), 'b', json(browsers.o), 'c', json(countries.o))
FROM totals
JOIN devices USING (user_id, day)
JOIN browsers USING (user_id, day)
JOIN countries USING (user_id, day);`;
}

const entry = globalThis.process?.argv?.[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  const option = (name) => {
    const index = process.argv.indexOf(name);
    return index > 0 ? Number(process.argv[index + 1]) : undefined;
  };
  console.log(dailyRollupsBackfillSql({ fromDay: option('--from-day'), toDay: option('--to-day') }));
}
