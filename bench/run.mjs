// `npm run bench`: seeds a local D1, starts the service the way the README does (local migrations,
// then `wrangler dev`) on a bench port with bench persistence, drives it with autocannon, then runs
// the bench worker (our app plus bench routes) beside the peer (better-auth) for the interleaved
// side-by-side, the round-trip counts, the mixed load and the micro-benchmarks, measures how the
// history endpoints grow with data, stops everything and writes bench/RESULTS.md (also printed).
// Every step is bounded; the whole run takes about 7–8 min on 2 cores (hard stop at the budget + 45 s).
//
// Settings (environment): see bench/README.md. BENCH_PHASES=http,peer,micro,growth selects phases
// (for short development runs).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDevVars } from '../scripts/dev-vars.mjs';
import { loadAverage, machine, render } from './lib/report.mjs';
import { root, startDev, state, tmp, wrangler } from './lib/wrangler.mjs';
import { BENCH_EVERY, measureAtSize, rebuildRollups, seedHistory, seedUsers } from './steps/growth.mjs';
import { runHttp } from './steps/http.mjs';
import { runMicro } from './steps/micro.mjs';
import { runOurMixed, runPeerMixed } from './steps/mixed.mjs';
import { preparePeer, startPeer } from './steps/peer.mjs';
import { runRoundTrips } from './steps/roundtrips.mjs';
import { runParts, runSideBySide } from './steps/side-by-side.mjs';

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
  peerPort: number('BENCH_PEER_PORT', 8789),
  hasherPort: number('BENCH_HASHER_PORT', 8790),
  readRounds: number('BENCH_READ_ROUNDS', 150),
  loginRounds: number('BENCH_LOGIN_ROUNDS', 12),
  probeDelayMs: number('BENCH_PROBE_DELAY_MS', 200),
  mixed: {
    clients: number('BENCH_MIXED_CLIENTS', 16),
    readRate: number('BENCH_MIXED_RATE', 30),
    loginRate: number('BENCH_MIXED_LOGIN_RATE', 1),
    slices: number('BENCH_MIXED_SLICES', 8),
    /** Ours: quiet slices alternating with three busy conditions (where passwords are hashed). */
    oursSlices: number('BENCH_MIXED_OUR_SLICES', 18),
    sliceSeconds: number('BENCH_MIXED_SLICE_SECONDS', 5),
  },
  phases: (process.env.BENCH_PHASES ?? 'http,peer,micro,growth').split(','),
  budgetSeconds: number('BENCH_BUDGET_SECONDS', 840),
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
  /** The 1-minute load average every 10 s: how busy the machine was during the run, not only at its ends. */
  loadSamples: [],
  config: settings,
  seeding: [],
  http: null,
  micro: null,
  peer: null,
  sideBySide: null,
  parts: null,
  roundTrips: null,
  mixed: null,
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

/** The service and its password-hashing Worker in one wrangler dev, as `npm start` runs them. */
const SERVICE_CONFIGS = [path.join(root, 'wrangler.toml'), path.join(root, 'hasher.wrangler.toml')];

async function startService(label) {
  const server = await startDev({
    name: `service (${label})`,
    port: settings.port,
    config: SERVICE_CONFIGS[0],
    configs: SERVICE_CONFIGS.slice(1),
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
  const rollups = rebuildRollups({ label: String(size) });
  run.seeding.push({
    what: `login_history_daily rebuilt from ${size.toLocaleString('en-US')} rows (scripts/daily-rollups-backfill.mjs)`,
    seconds: rollups,
  });
  return seconds + rollups;
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

/** One phase step: its failure is recorded in the results, and the phase goes on. */
async function attempt(key, work) {
  try {
    run[key] = await work();
  } catch (error) {
    run[key] = { error: String(error?.stack ?? error?.message ?? error) };
    log(`${key} failed: ${error?.message ?? error}`);
  }
}

/**
 * The password-hashing Worker in a wrangler dev of its own (another workerd process, so another
 * thread), as `auth-service-hasher-apart`: the bench worker's HASHER_APART binding.
 */
async function startApartHasher() {
  const hasher = await startDev({
    name: 'password-hashing worker (own process)',
    port: settings.hasherPort,
    config: SERVICE_CONFIGS[1],
    workerName: 'auth-service-hasher-apart',
    persistTo: path.join(tmp, 'hasher-state'),
    readyPath: '/',
    readyStatus: 404,
    log: path.join(tmp, 'hasher-apart.log'),
  });
  running.add(hasher);
  return hasher;
}

async function startWorker() {
  const worker = await startDev({
    name: 'bench worker',
    port: settings.workerPort,
    config: path.join(root, 'bench', 'wrangler.toml'),
    configs: SERVICE_CONFIGS.slice(1),
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
  return worker;
}

async function startPeerIfAny() {
  try {
    run.peer = preparePeer({ log });
  } catch (error) {
    run.peer = { available: false, note: `peer set-up failed: ${error?.message ?? error}` };
  }
  if (!run.peer.available) {
    run.notes.push(run.peer.note);
    return null;
  }
  const peer = await startPeer({ port: settings.peerPort });
  running.add(peer);
  return peer;
}

/**
 * The bench worker (our app, the micro-benchmarks) and the peer side by side: interleaved reads and
 * logins, the pieces of me/, round trips, the mixed loads, then the micro-benchmarks.
 */
async function workerPhase() {
  const withPeer = settings.phases.includes('peer');
  // The apart hasher first: the bench worker finds it in the dev registry when it starts.
  const hasher = withPeer ? await startApartHasher() : null;
  const [worker, peer] = await Promise.all([startWorker(), withPeer ? startPeerIfAny() : null]);
  try {
    if (withPeer) {
      const ours = worker.url;
      const other = peer?.url ?? null;
      await attempt('sideBySide', () =>
        runSideBySide({
          ours,
          peer: other,
          readRounds: settings.readRounds,
          loginRounds: settings.loginRounds,
          log,
        }),
      );
      log('pieces of me/ (in-worker)');
      await attempt('parts', () => runParts({ ours }));
      await attempt('roundTrips', () => runRoundTrips({ ours, peer: other, delayMs: settings.probeDelayMs, log }));
      await attempt('mixed', async () => {
        log('mixed load: our service');
        const ourFigures = await runOurMixed({ url: ours, settings: settings.mixed, users: settings.users });
        if (!other) return { ours: ourFigures, peer: null };
        log('mixed load: the peer');
        return { ours: ourFigures, peer: await runPeerMixed({ url: other, settings: settings.mixed }) };
      });
    }
    if (settings.phases.includes('micro')) {
      log('micro-benchmarks');
      await attempt('micro', () => runMicro({ url: worker.url, hashes: settings.hashes, log }));
    }
  } finally {
    await Promise.all([stop(worker), peer ? stop(peer) : null, hasher ? stop(hasher) : null]);
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
  const busiest = Math.max(...[run.loadStart, run.loadEnd].map((text) => Number.parseFloat(text)), ...run.loadSamples);
  if (busiest > run.machine.cores * 0.75) {
    run.notes.push(
      `the machine was busy besides the bench (1-min load average up to ${busiest} on ${run.machine.cores} cores): expect noisy figures`,
    );
  }
  run.elapsedSeconds = elapsed();
  writeFileSync(path.join(tmp, 'last-run.json'), JSON.stringify(run, null, 1));
  const markdown = render(run);
  writeFileSync(path.join(root, 'bench', 'RESULTS.md'), markdown);
  console.log(`\n${markdown}`);
  log('wrote bench/RESULTS.md');
  process.exit(exitCode);
}

// Hard stop: whatever happens, stop the servers and write what was measured within the budget.
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
  setInterval(() => run.loadSamples.push(os.loadavg()[0]), 10_000).unref();
  await setUp();
  if (settings.phases.includes('http')) {
    log('HTTP load phase');
    await httpPhase();
  } else {
    growHistory(settings.sizes[0] ?? 10_000);
  }
  if (settings.phases.includes('peer') || settings.phases.includes('micro')) {
    log('bench worker phase (side by side with the peer, micro-benchmarks)');
    await workerPhase();
  }
  if (settings.phases.includes('growth')) {
    log('growth phase');
    await growthPhase();
  }
  finish(0);
} catch (error) {
  run.notes.push(`run failed: ${error?.stack ?? error}`);
  await stopAll();
  finish(1);
}
