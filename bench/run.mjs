// `npm run bench`: seeds a local D1, starts the service the way the README does (local migrations,
// then `wrangler dev`) on a bench port with bench persistence, drives it with autocannon, runs the
// micro-benchmark worker, measures how the history endpoints grow with data, stops everything and
// writes bench/RESULTS.md (also printed). Every step is bounded; the whole run aims at < 10 min.
//
// Settings (environment): BENCH_SIZES=10000,100000,1000000 (login_history rows), BENCH_CONNECTIONS=1,4,16,
// BENCH_DURATION=4 (s per timed measurement), BENCH_USERS=2000, BENCH_HASHES=9, BENCH_PORT=8787,
// BENCH_WORKER_PORT=8788, BENCH_BUDGET_SECONDS=540 (later growth sizes are skipped past it).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDevVars } from '../scripts/dev-vars.mjs';
import { loadAverage, machine, render } from './lib/report.mjs';
import { root, startDev, state, tmp, wrangler } from './lib/wrangler.mjs';
import { BENCH_EVERY, measureAtSize, seedHistory, seedUsers } from './steps/growth.mjs';
import { runHttp } from './steps/http.mjs';
import { runMicro } from './steps/micro.mjs';

const number = (name, fallback) => Number(process.env[name] ?? fallback);
const numbers = (name, fallback) => (process.env[name] ?? fallback).split(',').map(Number).filter(Boolean);

const settings = {
  sizes: numbers('BENCH_SIZES', '10000,100000,1000000').sort((a, b) => a - b),
  levels: numbers('BENCH_CONNECTIONS', '1,4,16'),
  growthLevels: [1, 4],
  duration: number('BENCH_DURATION', 4),
  users: number('BENCH_USERS', 2000),
  sessionsPerUser: 2,
  hashes: number('BENCH_HASHES', 9),
  loginPerConnection: 3,
  port: number('BENCH_PORT', 8787),
  workerPort: number('BENCH_WORKER_PORT', 8788),
  budgetSeconds: number('BENCH_BUDGET_SECONDS', 540),
};

const started = new Date();
const elapsed = () => (Date.now() - started.getTime()) / 1000;
const log = (message) => console.log(`[bench ${elapsed().toFixed(0).padStart(3)}s] ${message}`);
const envFile = path.join(tmp, '.dev.vars');
const running = new Set();

const run = {
  started,
  machine: machine(),
  loadStart: '',
  loadEnd: '',
  config: settings,
  seeding: [],
  http: null,
  micro: null,
  growth: [],
  notes: [],
};

/** The service's own [vars] from wrangler.toml, so the bench worker configures src/ the same way. */
function rootVars() {
  const toml = readFileSync(path.join(root, 'wrangler.toml'), 'utf8');
  const section = toml.split(/^\[vars\]\s*$/m)[1]?.split(/^\[/m)[0] ?? '';
  return Object.fromEntries([...section.matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)].map(([, key, value]) => [key, value]));
}
const rootCompatibilityDate = () =>
  /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(root, 'wrangler.toml'), 'utf8'))?.[1];

/** Limits raised so they do not stop the load; each request still pays the counter round trip. */
const LOAD_VARS = { RATE_LIMIT_LOGIN_IP: '1000000/60', RATE_LIMIT_REFRESH_SESSION: '1000000/60' };

async function startService(label) {
  const server = await startDev({
    name: `service (${label})`,
    port: settings.port,
    envFile,
    vars: LOAD_VARS,
    readyPath: '/api/auth/health/',
    log: path.join(tmp, `service-${label}.log`),
  });
  running.add(server);
  return server;
}

async function stop(server) {
  running.delete(server);
  await server.stop();
  // wrangler dev rebuilds and reloads when a source file changes (someone editing src/ during the
  // run): requests around it hit a restarting worker, so say so next to the figures.
  if (readFileSync(server.log, 'utf8').includes('Reloading local server')) {
    run.notes.push(`${server.name} reloaded during the run (a source file changed): figures of that phase are suspect`);
  }
}

async function stopAll() {
  await Promise.all([...running].map((server) => stop(server)));
}

async function setUp() {
  mkdirSync(tmp, { recursive: true });
  rmSync(state, { recursive: true, force: true }); // every run starts from the same data
  ensureDevVars(tmp); // bench-only secrets in bench/.tmp/.dev.vars (the project's own generator)
  log('applying local D1 migrations (bench/.tmp/state)');
  wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], {
    log: path.join(tmp, 'migrations.log'),
  });
  log(`seeding ${settings.users} users, ${settings.sessionsPerUser} sessions each`);
  const usersSeconds = await seedUsers({ users: settings.users, sessionsPerUser: settings.sessionsPerUser });
  run.seeding.push({
    what: `${settings.users} users + ${settings.users * settings.sessionsPerUser} sessions`,
    seconds: usersSeconds,
  });
}

let historyRows = 0;
/** Grows login_history to `size` rows (the service must be stopped: both would write the file). */
function growHistory(size) {
  const seconds = seedHistory({ from: historyRows + 1, to: size });
  run.seeding.push({
    what: `login_history ${historyRows.toLocaleString('en-US')} → ${size.toLocaleString('en-US')} rows`,
    seconds,
  });
  historyRows = size;
  return seconds;
}

async function httpPhase() {
  growHistory(settings.sizes[0] ?? 10_000);
  const service = await startService('http');
  try {
    run.http = await runHttp({
      url: service.url,
      levels: settings.levels,
      duration: settings.duration,
      users: settings.users,
      loginPerConnection: settings.loginPerConnection,
      log,
    });
    run.notes.push(...run.http.notes);
  } catch (error) {
    run.http = { error: String(error?.message ?? error) };
  } finally {
    await stop(service);
  }
}

async function microPhase() {
  const worker = await startDev({
    name: 'bench worker',
    port: settings.workerPort,
    config: path.join(root, 'bench', 'wrangler.toml'),
    envFile,
    vars: { ...rootVars(), ...LOAD_VARS },
    readyPath: '/health',
    log: path.join(tmp, 'bench-worker.log'),
  });
  running.add(worker);
  const date = rootCompatibilityDate();
  const benchToml = readFileSync(path.join(root, 'bench', 'wrangler.toml'), 'utf8');
  if (date && !benchToml.includes(`compatibility_date = "${date}"`)) {
    run.notes.push(`bench/wrangler.toml's compatibility_date differs from wrangler.toml's (${date}): update it`);
  }
  try {
    run.micro = await runMicro({ url: worker.url, hashes: settings.hashes, log });
  } catch (error) {
    run.micro = { error: String(error?.message ?? error) };
  } finally {
    await stop(worker);
  }
}

/** Seconds the last seed took per row, times a margin: bigger tables insert slower per row. */
let secondsPerRow = null;
async function growthPhase() {
  for (const size of settings.sizes) {
    const entry = { size, benchRows: Math.floor(size / BENCH_EVERY) };
    const toAdd = size - historyRows;
    const estimate = toAdd > 0 && secondsPerRow ? toAdd * secondsPerRow * 2 + 60 : 60;
    if (elapsed() + estimate > settings.budgetSeconds) {
      entry.skipped = `time budget (~${Math.round(estimate)} s more needed, ${Math.round(settings.budgetSeconds - elapsed())} s left)`;
      run.notes.push(`growth size ${size.toLocaleString('en-US')} skipped: ${entry.skipped}`);
      run.growth.push(entry);
      continue;
    }
    if (toAdd > 0) {
      log(`seeding login_history to ${size.toLocaleString('en-US')} rows`);
      entry.seedSeconds = growHistory(size);
      secondsPerRow = entry.seedSeconds / toAdd;
    } else {
      entry.seedSeconds = run.seeding.find((s) => s.what.endsWith(`${size.toLocaleString('en-US')} rows`))?.seconds;
    }
    const service = await startService(`growth-${size}`);
    try {
      log(`history endpoints at ${size.toLocaleString('en-US')} rows`);
      Object.assign(
        entry,
        await measureAtSize({ url: service.url, levels: settings.growthLevels, duration: settings.duration }),
      );
    } finally {
      await stop(service);
    }
    run.growth.push(entry);
  }
}

function finish(exitCode = 0) {
  run.loadEnd = loadAverage();
  const busiest = Math.max(...[run.loadStart, run.loadEnd].map((text) => Number.parseFloat(text)));
  if (busiest > run.machine.cores * 0.75) {
    run.notes.push(
      `the machine was busy besides the bench (1-min load average up to ${busiest} on ${run.machine.cores} cores): expect noisy figures`,
    );
  }
  run.elapsedSeconds = elapsed();
  const markdown = render(run);
  writeFileSync(path.join(root, 'bench', 'RESULTS.md'), markdown);
  console.log(`\n${markdown}`);
  log('wrote bench/RESULTS.md');
  process.exit(exitCode);
}

// Hard stop: whatever happens, stop the servers and write what was measured within 10 minutes.
const hardStop = setTimeout(
  async () => {
    run.notes.push(`hard time limit reached after ${Math.round(elapsed())} s: results are partial`);
    await stopAll();
    finish(1);
  },
  (settings.budgetSeconds + 45) * 1000,
);
hardStop.unref();

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await stopAll();
    process.exit(130);
  });
}

try {
  run.loadStart = loadAverage();
  await setUp();
  log('HTTP load phase');
  await httpPhase();
  log('micro-benchmark worker phase');
  await microPhase();
  log('growth phase');
  await growthPhase();
  finish(0);
} catch (error) {
  run.notes.push(`run failed: ${error?.stack ?? error}`);
  await stopAll();
  finish(1);
}
