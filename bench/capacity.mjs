// `npm run bench:capacity`: the measurements behind docs/capacity.md, at the size the plan is about.
//
// Seeds a local D1 of its own (bench/.tmp/capacity-state) with 1M users (one live session each),
// 2M audit entries and 10M login-history rows with their daily roll-ups, measures the size of every
// table and index on disk (SQLite's dbstat, read with Node's node:sqlite while no server runs),
// starts the service as `npm start` does and times sign-in, me/, login-history/ and
// login-statistics/ at that size, then counts the rows a sign-in and a refresh add, and writes
// bench/CAPACITY.md. About 40 minutes on 2 busy cores and ~9 GB of disk; bounded (each step has its
// own time limit, the whole run 90 minutes). Settings: BENCH_CAPACITY_USERS, BENCH_CAPACITY_HISTORY,
// BENCH_CAPACITY_OPS; BENCH_CAPACITY_SEED=0 measures again on the last seeded database.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { dailyRollupsBackfillSql } from '../scripts/daily-rollups-backfill.mjs';
import { ensureDevVars } from '../scripts/dev-vars.mjs';
import { timed as timedRequest } from './lib/interleave.mjs';
import { load } from './lib/load.mjs';
import { fmt, median, percentile, table } from './lib/stats.mjs';
import { d1, root, startDev, tmp, wrangler } from './lib/wrangler.mjs';
import {
  auditSql,
  BENCH_EMAIL,
  BENCH_PASSWORD,
  CHEAP_EMAIL,
  CHEAP_SCRYPT,
  historySql,
  sessionsSql,
  sharedPasswordHash,
  usersSql,
  writeSql,
} from './seed.mjs';

const number = (name, fallback) => Number(process.env[name] ?? fallback);
const settings = {
  users: number('BENCH_CAPACITY_USERS', 1_000_000),
  history: number('BENCH_CAPACITY_HISTORY', 10_000_000),
  auditPerUser: 2,
  sessionsPerUser: 1,
  /** History and audit spread over a school year (the retention keeps 365 days of history). */
  spanDays: 180,
  chunk: 2_500_000,
  /** Sign-ins and refreshes whose writes are counted. */
  ops: number('BENCH_CAPACITY_OPS', 100),
  port: number('BENCH_PORT', 8787),
  duration: 4,
};
/** The benchmarked user owns one history row in this many: ~100 rows, a heavy but real user. */
const BENCH_EVERY = Math.max(10, Math.round(settings.history / 100));
const DAY_MS = 86_400_000;
const state = path.join(tmp, 'capacity-state');
const envFile = path.join(tmp, '.dev.vars');
const started = Date.now();
const elapsed = () => (Date.now() - started) / 1000;
const log = (message) => console.log(`[capacity ${elapsed().toFixed(0).padStart(4)}s] ${message}`);
const report = { settings, steps: [], sizes: null, times: {}, writes: {}, notes: [] };
const API = '/api/auth';

function step(what, work) {
  log(what);
  const start = performance.now();
  const result = work();
  report.steps.push({ what, seconds: (performance.now() - start) / 1000 });
  return result;
}

const execute = (name, sql, timeoutMs = 1_800_000) =>
  d1({
    file: writeSql(path.join(tmp, `capacity-${name}.sql`), sql),
    log: path.join(tmp, `capacity-${name}.log`),
    persistTo: state,
    timeoutMs,
  });

/** The SQLite file behind the local D1 (miniflare keeps one per database under the state). */
function databaseFile() {
  const directory = path.join(state, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.sqlite'))
    .map((name) => path.join(directory, name));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

/** Rows per table, and with `bytes`, the bytes of every table with its indexes (dbstat). */
function measureTables({ bytes }) {
  const db = new DatabaseSync(databaseFile(), { readOnly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
      )
      .all()
      .map((row) => row.name);
    const rows = Object.fromEntries(
      tables.map((name) => [name, db.prepare(`SELECT count(*) AS n FROM "${name}"`).get().n]),
    );
    if (!bytes) return { rows };
    const owner = Object.fromEntries(
      db
        .prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")
        .all()
        .map((row) => [row.name, row.tbl_name]),
    );
    const perObject = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all();
    const sizes = {};
    for (const { name, bytes: size } of perObject) {
      const table = owner[name] ?? name;
      sizes[table] ??= { table: 0, indexes: 0 };
      if (owner[name] && owner[name] !== name) sizes[table].indexes += size;
      else sizes[table].table += size;
    }
    const pageSize = db.prepare('PRAGMA page_size').get().page_size;
    const pages = db.prepare('PRAGMA page_count').get().page_count;
    return { rows, sizes, databaseBytes: pageSize * pages, fileBytes: statSync(databaseFile()).size };
  } finally {
    db.close();
  }
}

async function seed() {
  rmSync(state, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  ensureDevVars(tmp);
  step('migrations', () =>
    wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], {
      log: path.join(tmp, 'capacity-migrations.log'),
    }),
  );
  const passwordHash = await sharedPasswordHash();
  const cheapHash = await sharedPasswordHash(undefined, CHEAP_SCRYPT);
  const span = settings.spanDays * DAY_MS;
  step(`${settings.users.toLocaleString('en-US')} users and ${settings.sessionsPerUser} session each`, () =>
    execute(
      'users',
      `${usersSql({ count: settings.users, passwordHash, cheapHash })}\n${sessionsSql({ perUser: settings.sessionsPerUser })}`,
    ),
  );
  step(`${(settings.users * settings.auditPerUser).toLocaleString('en-US')} audit entries`, () =>
    execute('audit', auditSql({ perUser: settings.auditPerUser, spanMs: span })),
  );
  const indexes = d1({
    command:
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'login_history' AND sql IS NOT NULL",
    log: path.join(tmp, 'capacity-indexes.log'),
    persistTo: state,
  })[0].results;
  for (let from = 1; from <= settings.history; from += settings.chunk) {
    const to = Math.min(settings.history, from + settings.chunk - 1);
    const last = to === settings.history;
    step(
      `login_history rows ${from.toLocaleString('en-US')}–${to.toLocaleString('en-US')}${last ? ' (+ its indexes)' : ''}`,
      () =>
        execute(
          `history-${to}`,
          historySql({ from, to, benchEvery: BENCH_EVERY, indexes, rebuild: last, spanMs: span }),
        ),
    );
  }
  // The roll-ups, with the backfill a deployment would run: a month of days per statement.
  const today = Math.floor(Date.now() / DAY_MS);
  for (let fromDay = today - settings.spanDays - 1; fromDay <= today; fromDay += 30) {
    step(`login_history_daily for days ${fromDay}–${fromDay + 29}`, () =>
      execute(`rollups-${fromDay}`, dailyRollupsBackfillSql({ fromDay, toDay: fromDay + 30 })),
    );
  }
  report.sizes = step('sizes of every table and index (dbstat)', () => measureTables({ bytes: true }));
}

/**
 * For BENCH_CAPACITY_SEED=0: applies the migrations added since the database was seeded. A database
 * seeded while the roll-up migration was numbered 0004 (before main's 0004–0007) has its record
 * renamed to the current file name first, so that only the others run (its table is there already).
 */
function migrateSeeded() {
  const current = readdirSync(path.join(root, 'migrations')).find((name) =>
    /^\d{4}_history_daily_rollups\.sql$/.test(name),
  );
  const db = new DatabaseSync(databaseFile());
  try {
    const stale = db
      .prepare("SELECT name FROM d1_migrations WHERE name LIKE '%_history_daily_rollups.sql' AND name <> ?")
      .all(current ?? '');
    for (const { name } of stale) {
      db.prepare('UPDATE d1_migrations SET name = ? WHERE name = ?').run(current, name);
      report.notes.push(
        `the seeded database's roll-up migration ${name} was recorded as ${current}, then the newer migrations applied`,
      );
    }
  } finally {
    db.close();
  }
  step('migrations added since the seed', () =>
    wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], {
      log: path.join(tmp, 'capacity-migrations-reuse.log'),
    }),
  );
}

async function startService(label, vars = {}) {
  return startDev({
    name: `service (${label})`,
    port: settings.port,
    config: path.join(root, 'wrangler.toml'),
    configs: [path.join(root, 'hasher.wrangler.toml')],
    envFile,
    persistTo: state,
    vars: { RATE_LIMIT_LOGIN_IP: '1000000/60', RATE_LIMIT_REFRESH_SESSION: '1000000/60', ...vars },
    readyPath: '/api/auth/health/',
    log: path.join(tmp, `capacity-service-${label}.log`),
    timeoutMs: 300_000,
  });
}

const login = (url, email) =>
  timedRequest(`${url}${API}/login/`, { method: 'POST', json: { email, password: BENCH_PASSWORD } });

async function sequentialTimes(count, send) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const response = await send(i);
    if (response.status !== 200) throw new Error(`${response.status} ${response.text.slice(0, 200)}`);
    times.push(response.ms);
  }
  return { count, p50: median(times), p99: percentile(times, 99) };
}

const seededEmail = (n) => `user${String(n).padStart(6, '0')}@example.com`;

async function timeAtSize() {
  const service = await startService('times');
  try {
    const url = service.url;
    log('sign-in at the default cost (distinct users)');
    await login(url, seededEmail(settings.users)); // warm-up
    report.times.login = await sequentialTimes(20, (i) => login(url, seededEmail(1 + ((i * 7919) % settings.users))));
    const { access_token: token } = JSON.parse((await login(url, BENCH_EMAIL)).text);
    const headers = { authorization: `Bearer ${token}` };
    for (const [key, endpoint] of [
      ['me', `${API}/me/`],
      ['history', `${API}/login-history/?limit=50`],
      ['statistics', `${API}/login-statistics/?days=30`],
      ['statistics365', `${API}/login-statistics/?days=365`],
    ]) {
      log(`GET ${endpoint}`);
      await load({ url, path: endpoint, headers, connections: 1, duration: 1 });
      report.times[key] = await load({ url, path: endpoint, headers, connections: 1, duration: settings.duration });
    }
  } finally {
    await service.stop();
  }
  // The sign-in without its hash: served at the cheap user's own cost, so that nothing rehashes it.
  const cheapService = await startService('times-cheap', { SCRYPT_LOG_N: '1', SCRYPT_R: '1', SCRYPT_P: '1' });
  try {
    log('sign-in with a minimal-cost hash');
    const send = () => login(cheapService.url, CHEAP_EMAIL);
    await send();
    report.times.loginCheap = await sequentialTimes(30, send);
  } finally {
    await cheapService.stop();
  }
}

/** Rows added per table by `ops` sign-ins of distinct users, then by `ops` refreshes. */
async function countWrites() {
  const before = measureTables({ bytes: false }).rows;
  let service = await startService('sign-ins');
  let refreshToken;
  try {
    log(`${settings.ops} sign-ins of distinct users`);
    for (let i = 0; i < settings.ops; i++) {
      const response = await login(service.url, seededEmail(10 + i));
      if (response.status !== 200) throw new Error(`sign-in: ${response.status} ${response.text.slice(0, 200)}`);
      refreshToken = JSON.parse(response.text).refresh_token;
    }
  } finally {
    await service.stop();
  }
  const afterSignIns = measureTables({ bytes: false }).rows;
  service = await startService('refreshes');
  try {
    log(`${settings.ops} refreshes (one rotating chain)`);
    for (let i = 0; i < settings.ops; i++) {
      const response = await timedRequest(`${service.url}${API}/refresh/`, {
        method: 'POST',
        json: { refresh_token: refreshToken },
      });
      if (response.status !== 200) throw new Error(`refresh: ${response.status} ${response.text.slice(0, 200)}`);
      refreshToken = JSON.parse(response.text).refresh_token;
    }
  } finally {
    await service.stop();
  }
  // Sizes again: tables the seed leaves empty (one-time tokens, …) may have rows only now.
  report.finalSizes = step('sizes of every table and index, after the sign-ins and refreshes', () =>
    measureTables({ bytes: true }),
  );
  const afterRefreshes = report.finalSizes.rows;
  const perOp = (from, to) =>
    Object.fromEntries(Object.keys(to).map((name) => [name, (to[name] - (from[name] ?? 0)) / settings.ops]));
  report.writes = { signIn: perOp(before, afterSignIns), refresh: perOp(afterSignIns, afterRefreshes) };
}

const mib = (bytes) => bytes / 2 ** 20;

function render() {
  const { sizes } = report;
  /** Bytes per row, indexes included: at the seeded size, or at the end for tables seeded empty. */
  const perRow = (name) => {
    const measured = sizes.rows[name] >= 1000 ? sizes : report.finalSizes;
    const size = measured?.sizes[name];
    const rows = measured?.rows[name];
    return size && rows ? (size.table + size.indexes) / rows : Number.NaN;
  };
  const sizeRows = Object.keys(sizes.sizes)
    .filter((name) => sizes.rows[name] !== undefined)
    .sort((a, b) => sizes.sizes[b].table + sizes.sizes[b].indexes - (sizes.sizes[a].table + sizes.sizes[a].indexes))
    .map((name) => [
      name,
      sizes.rows[name].toLocaleString('en-US'),
      fmt(mib(sizes.sizes[name].table)),
      fmt(mib(sizes.sizes[name].indexes)),
      fmt(perRow(name)),
    ]);
  const writeRows = Object.keys(report.writes.signIn ?? {})
    .filter((name) => report.writes.signIn[name] || report.writes.refresh[name])
    .map((name) => [
      name,
      fmt(report.writes.signIn[name]),
      fmt(report.writes.refresh[name]),
      fmt(perRow(name)),
      fmt(report.writes.signIn[name] * perRow(name)),
      fmt(report.writes.refresh[name] * perRow(name)),
    ]);
  const bytesPer = (op) =>
    Object.entries(report.writes[op] ?? {}).reduce(
      (sum, [name, rows]) => sum + (rows > 0 ? rows * (perRow(name) || 0) : 0),
      0,
    );
  const t = report.times;
  const timeRow = (label, entry) => [label, fmt(entry?.p50), fmt(entry?.p99), entry?.count ?? entry?.requests ?? ''];
  return [
    '# Capacity measurements',
    '',
    `Generated by \`npm run bench:capacity\` (bench/capacity.mjs) on ${new Date(started).toISOString()} in ${fmt(elapsed())} s, on ${os.cpus().length} cores (${os.cpus()[0]?.model?.trim()}), load average at the end ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' / ')}. The plan that uses these figures: docs/capacity.md.`,
    '',
    `Seeded: ${settings.users.toLocaleString('en-US')} users (${settings.sessionsPerUser} session each), ${(settings.users * settings.auditPerUser).toLocaleString('en-US')} audit entries and ${settings.history.toLocaleString('en-US')} login-history rows over ${settings.spanDays} days, with their daily roll-ups; the timed user owns ${Math.floor(settings.history / BENCH_EVERY).toLocaleString('en-US')} history rows.`,
    '',
    '## Size on disk',
    '',
    `Database: ${fmt(mib(sizes.databaseBytes))} MiB (page_count × page_size); file ${fmt(mib(sizes.fileBytes))} MiB.`,
    '',
    table(['table', 'rows', 'table MiB', 'its indexes MiB', 'bytes per row, indexes included'], sizeRows),
    '',
    '## Times at that size (one connection)',
    '',
    table(
      ['request', 'p50 ms', 'p99 ms', 'requests'],
      [
        timeRow('`POST login/`, default cost (noble scrypt ln=14 r=8 p=5), distinct users', t.login),
        timeRow('`POST login/`, minimal-cost hash (the sign-in without its hash)', t.loginCheap),
        timeRow('`GET me/`', t.me),
        timeRow('`GET login-history/?limit=50`', t.history),
        timeRow('`GET login-statistics/?days=30`', t.statistics),
        timeRow('`GET login-statistics/?days=365`', t.statistics365),
      ],
    ),
    '',
    '## Rows written',
    '',
    `Rows added per operation (table counts before and after ${settings.ops} sign-ins of distinct users, then ${settings.ops} refreshes of one session), and the bytes they take at the sizes above (tables the seed leaves empty: at the end, from their few pages, so coarse). Updates in place (last_login_at, last_used_at, a refresh's new generation on its session row, the roll-up of a day already started) add no row: a refresh rewrites its session row (same size) and adds nothing. Sign-ins from a new place or device also write a \`login.suspicious\` audit entry (the seeded history is spread over many places), hence more than one audit row per sign-in.`,
    '',
    table(
      ['table', 'rows per sign-in', 'rows per refresh', 'bytes per row', 'bytes per sign-in', 'bytes per refresh'],
      writeRows,
    ),
    '',
    `In all: ${fmt(bytesPer('signIn'))} bytes per sign-in, ${fmt(bytesPer('refresh'))} bytes per refresh.`,
    '',
    '## Steps',
    '',
    table(
      ['step', 'seconds'],
      report.steps.map((s) => [s.what, fmt(s.seconds)]),
    ),
    '',
    ...(report.notes.length ? ['## Notes', '', ...report.notes.map((note) => `- ${note}`), ''] : []),
  ].join('\n');
}

const deadline = setTimeout(() => {
  console.error('capacity: time limit (90 min) reached');
  process.exit(1);
}, 90 * 60_000);
deadline.unref();

try {
  if (!existsSync(path.join(root, 'node_modules'))) throw new Error('run npm install first');
  if (process.env.BENCH_CAPACITY_SEED === '0' && existsSync(state)) {
    // Measure again on the database a previous run seeded (its sizes are measured again too).
    report.notes.push('measured on the database seeded by an earlier run (BENCH_CAPACITY_SEED=0)');
    migrateSeeded();
    report.sizes = step('sizes of every table and index (dbstat)', () => measureTables({ bytes: true }));
  } else {
    await seed();
  }
  await timeAtSize();
  await countWrites();
  report.elapsedSeconds = elapsed();
  writeFileSync(path.join(tmp, 'capacity.json'), JSON.stringify(report, null, 1));
  const markdown = render();
  writeFileSync(path.join(root, 'bench', 'CAPACITY.md'), markdown);
  console.log(`\n${markdown}`);
  log('wrote bench/CAPACITY.md');
  process.exit(0);
} catch (error) {
  writeFileSync(
    path.join(tmp, 'capacity.json'),
    JSON.stringify({ ...report, error: String(error?.stack ?? error) }, null, 1),
  );
  console.error(error);
  process.exit(1);
}
