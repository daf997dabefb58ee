// Seeding the local D1 through `wrangler d1 execute`, and how login-history/ and
// login-statistics/ times grow with the size of the login_history table.
import path from 'node:path';
import { dailyRollupsBackfillSql } from '../../scripts/daily-rollups-backfill.mjs';
import { d1, tmp } from '../lib/wrangler.mjs';
import { CHEAP_SCRYPT, historySql, sessionsSql, sharedPasswordHash, usersSql, writeSql } from '../seed.mjs';
import { HISTORY_PATH, measureGet, probe, STATISTICS_PATH, signIn } from './http.mjs';

/** The benchmarked user owns every 10th history row: 100k of 1M at the largest default size. */
export const BENCH_EVERY = 10;

function timed(work) {
  const start = performance.now();
  work();
  return (performance.now() - start) / 1000;
}

/** Users (sharing one precomputed hash) and their sessions; returns seconds spent. */
export async function seedUsers({ users, sessionsPerUser }) {
  const passwordHash = await sharedPasswordHash();
  const cheapHash = await sharedPasswordHash(undefined, CHEAP_SCRYPT);
  const file = writeSql(
    path.join(tmp, 'seed-users.sql'),
    `${usersSql({ count: users, passwordHash, cheapHash })}\n${sessionsSql({ perUser: sessionsPerUser })}`,
  );
  return timed(() => d1({ file, log: path.join(tmp, 'seed-users.log') }));
}

/** The login_history indexes as the migrations created them, to drop and rebuild around a bulk insert. */
function historyIndexes() {
  const [result] = d1({
    command:
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'login_history' AND sql IS NOT NULL",
    log: path.join(tmp, 'seed-indexes.log'),
  });
  return result.results;
}

/** Adds history rows `from`..`to`; returns seconds spent (SQL generation is negligible). */
export function seedHistory({ from, to }) {
  const file = writeSql(
    path.join(tmp, `seed-history-${to}.sql`),
    historySql({ from, to, benchEvery: BENCH_EVERY, indexes: historyIndexes() }),
  );
  return timed(() => d1({ file, log: path.join(tmp, `seed-history-${to}.log`) }));
}

/**
 * Rebuilds the daily roll-ups (login_history_daily) from every history row, with the script a
 * deployment with older history runs once (scripts/daily-rollups-backfill.mjs); returns seconds.
 */
export function rebuildRollups({ label }) {
  const file = writeSql(path.join(tmp, `rollups-${label}.sql`), dailyRollupsBackfillSql());
  return timed(() => d1({ file, log: path.join(tmp, `rollups-${label}.log`) }));
}

/** Measures both endpoints at the current size on a running server (n/a while they are missing). */
export async function measureAtSize({ url, levels, duration }) {
  const { access_token: token } = await signIn(url);
  const out = {};
  for (const [key, endpoint] of [
    ['history', HISTORY_PATH],
    ['statistics', STATISTICS_PATH],
  ]) {
    const found = await probe(url, endpoint, token);
    out[key] = found.available ? await measureGet({ url, path: endpoint, token, levels, duration }) : null;
  }
  return out;
}
