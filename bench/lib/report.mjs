// Renders bench/RESULTS.md: machine and versions first, so that two runs can be compared.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PEER_METHOD, peerMachineLine, renderPeerSections } from './report-peer.mjs';
import { fmt, median, percentile, ratio, table } from './stats.mjs';
import { root } from './wrangler.mjs';

const packageVersion = (name) => {
  try {
    return JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'n/a';
  }
};

export function machine() {
  const cpus = os.cpus();
  const workerd = spawnSync(path.join(root, 'node_modules', '.bin', 'workerd'), ['--version'], { encoding: 'utf8' });
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    wrangler: packageVersion('wrangler'),
    workerd: workerd.stdout?.trim() || packageVersion('workerd'),
    miniflare: packageVersion('miniflare'),
    noble: packageVersion('@noble/hashes'),
    autocannon: packageVersion('autocannon'),
  };
}

export const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');

const others = (row) =>
  Object.entries(row.statuses)
    .filter(([status]) => Number(status) !== row.expect)
    .map(([status, count]) => `${status}×${count}`)
    .join(', ') + (row.errors ? ` errors×${row.errors}` : '');

function httpTable(http) {
  const rows = [];
  const add = (label, expect, series) => {
    if (!series) return rows.push([label, '–', '–', expect, 'n/a', 'n/a', 'n/a', 'n/a', 'endpoint missing']);
    for (const row of series) {
      rows.push([
        label,
        row.connections,
        row.requests,
        expect,
        fmt(row.rps),
        fmt(row.p50),
        fmt(row.p99),
        fmt(row.mean),
        row.unexpected || row.errors ? others(row) : '–',
      ]);
    }
  };
  add('POST login/ (right password)', 200, http.login);
  add('POST login/ (locked account)', 423, http.locked);
  add('POST refresh/', 200, http.refresh);
  add('GET me/', 200, http.me);
  add('GET login-history/?limit=50', 200, http.history);
  add('GET login-statistics/?days=30', 200, http.statistics);
  return table(
    ['endpoint', 'connections', 'requests', 'status', 'req/s', 'p50 ms', 'p99 ms', 'mean ms', 'other answers'],
    rows,
  );
}

const summary = (times) => ({
  median: median(times),
  min: Math.min(...times),
  max: Math.max(...times),
  p90: percentile(times, 90),
});

function microTables(micro) {
  const native = median(micro.scrypt.node);
  const scrypt = table(
    ['implementation', 'hashes', 'median ms (in-worker)', 'min', 'max', 'client-side ms', '÷ node:crypto'],
    Object.entries(micro.scrypt).map(([impl, times]) => {
      const s = summary(times);
      return [
        impl,
        times.length,
        fmt(s.median),
        fmt(s.min),
        fmt(s.max),
        fmt(micro.scryptClient.perImpl[impl]),
        fmt(ratio(s.median, native)),
      ];
    }),
  );
  const rows = [
    ['timing bracket alone (2 × 0 ms timer)', micro.tick, '1'],
    [
      `Date.now() × ${micro.clock.calls.toLocaleString('en-US')} (scryptAsync's calls per hash)`,
      micro.clock.times,
      '1',
    ],
    ['lockout DO: reserve + settle (2 RPCs)', micro.guard, '20'],
    ['rate-limit DO: one hit (1 RPC)', micro.rate, '20'],
    ['password step, bare (`checkCredentials`)', micro.login.bare, '1'],
    ['password step under lockout (`underLockout`)', micro.login.guarded, '1'],
    ['… of which the credential check inside it', micro.login.inner, '1'],
    ['me/ work: verify access token (jose, Ed25519)', micro.me.jwt, '20'],
    ['me/ work: live session + user (D1 join)', micro.me.session, '20'],
    ['me/ work: both', micro.me.total, '20'],
  ].map(([label, times, batch]) => {
    const s = summary(times);
    return [label, `${times.length} × ${batch}`, fmt(s.median), fmt(s.p90), fmt(s.min), fmt(s.max)];
  });
  return { scrypt, steps: table(['measurement', 'samples × batch', 'median ms/op', 'p90', 'min', 'max'], rows) };
}

function growthTable(growth) {
  const cell = (series, index, key) => (series ? fmt(series[index]?.[key]) : 'n/a');
  return table(
    [
      'login_history rows seeded',
      'benchmarked user rows',
      'seed s',
      'history p50 ms (c=1)',
      'history p99 ms (c=1)',
      'history req/s (c=1 / c=4)',
      'statistics p50 ms (c=1)',
      'statistics p99 ms (c=1)',
      'statistics req/s (c=1 / c=4)',
    ],
    growth.map((g) =>
      g.skipped
        ? [g.size.toLocaleString('en-US'), '–', '–', `skipped: ${g.skipped}`, '', '', '', '', '']
        : [
            g.size.toLocaleString('en-US'),
            g.benchRows.toLocaleString('en-US'),
            fmt(g.seedSeconds),
            cell(g.history, 0, 'p50'),
            cell(g.history, 0, 'p99'),
            `${cell(g.history, 0, 'rps')} / ${cell(g.history, 1, 'rps')}`,
            cell(g.statistics, 0, 'p50'),
            cell(g.statistics, 0, 'p99'),
            `${cell(g.statistics, 0, 'rps')} / ${cell(g.statistics, 1, 'rps')}`,
          ],
    ),
  );
}

/** The statistics' growth in one sentence: largest size's p50 ÷ smallest's (the target is ≤ 1.3). */
function growthLines(growth = []) {
  const measured = growth.filter((g) => g.statistics?.[0]);
  if (measured.length < 2) return [];
  const [first, last] = [measured[0], measured[measured.length - 1]];
  const p50 = (g, key) => g[key][0].p50;
  return [
    `login-statistics/ (answered from the daily roll-ups) p50 at ${last.size.toLocaleString('en-US')} rows ÷ at ${first.size.toLocaleString('en-US')}: ${fmt(ratio(p50(last, 'statistics'), p50(first, 'statistics')))} (${fmt(p50(last, 'statistics'))} ms ÷ ${fmt(p50(first, 'statistics'))} ms; the target is ≤ 1.3). login-history/: ${fmt(ratio(p50(last, 'history'), p50(first, 'history')))}.`,
    '',
  ];
}

/**
 * The lockout's cost on each guarded login: its total minus the credential check timed inside it,
 * minus the inner check's own timing bracket (median of /tick).
 */
const lockoutOverhead = (login, tick) => median(login.guarded.map((total, i) => total - login.inner[i])) - median(tick);

function ratioRows(run) {
  const { http, micro } = run;
  const rows = [];
  const first = (series) => series?.[0];
  const last = (series) => series?.[series.length - 1];
  if (micro && !micro.error) {
    const native = median(micro.scrypt.node);
    rows.push([
      'scrypt: @noble/hashes `scrypt` (what the service uses) ÷ node:crypto `scryptSync` (in-worker medians)',
      fmt(ratio(median(micro.scrypt.noble), native)),
    ]);
    rows.push([
      'scrypt: same ratio measured client-side',
      fmt(ratio(micro.scryptClient.perImpl.noble, micro.scryptClient.perImpl.node)),
    ]);
    rows.push([
      'scrypt: @noble/hashes `scryptAsync` (used before this benchmark) ÷ node:crypto',
      fmt(ratio(median(micro.scrypt['noble-async']), native)),
    ]);
    rows.push([
      'scrypt: `scryptAsync` ÷ `scrypt`: what switching to the synchronous one saved',
      fmt(ratio(median(micro.scrypt['noble-async']), median(micro.scrypt.noble))),
    ]);
    rows.push([
      `scrypt: \`scryptAsync\` ÷ \`scryptAsync\` without yields (cost of yielding every 10 ms via ${micro.schedulerYield ? 'scheduler.yield()' : 'setTimeout(0)'})`,
      fmt(ratio(median(micro.scrypt['noble-async']), median(micro.scrypt['noble-async-noyield']))),
    ]);
    rows.push([
      'lockout: added ms on a login, median of (guarded total − its own credential check − bracket)',
      fmt(lockoutOverhead(micro.login, micro.tick)),
    ]);
    rows.push([
      'lockout: median guarded − median bare password step, ms (dominated by hash noise)',
      fmt(median(micro.login.guarded) - median(micro.login.bare)),
    ]);
    rows.push([
      'lockout: reserve + settle round trip alone, ms (batched, no hash in between)',
      fmt(median(micro.guard)),
    ]);
  }
  if (http && !http.error) {
    rows.push([
      'login/ p50 ÷ locked login/ p50 (c=1): how much cheaper a locked attempt is',
      fmt(ratio(first(http.login)?.p50, first(http.locked)?.p50)),
    ]);
    rows.push([
      `locked login/ req/s ÷ login/ req/s (c=${last(http.login)?.connections})`,
      fmt(ratio(last(http.locked)?.rps, last(http.login)?.rps)),
    ]);
    rows.push(['refresh/ p50 ÷ me/ p50 (c=1)', fmt(ratio(first(http.refresh)?.p50, first(http.me)?.p50))]);
    if (micro && !micro.error) {
      rows.push([
        'login/ p50 (c=1) ÷ one hash (noble `scrypt`, client-side): the whole login against the hash alone',
        fmt(ratio(first(http.login)?.p50, micro.scryptClient.perImpl.noble)),
      ]);
      rows.push([
        'me/ over HTTP p50 (c=1) − me/ work in-worker median, ms (HTTP, wrangler proxy, Hono, logging)',
        fmt(first(http.me)?.p50 - median(micro.me.total)),
      ]);
    }
  }
  return table(['ratio', 'value'], rows);
}

const METHOD = `- **HTTP load**: the service runs as the README starts it (local D1 migrations, then \`wrangler dev\`), on
  127.0.0.1 with its own persistence (\`bench/.tmp/state\`) and secrets (\`bench/.tmp/.dev.vars\`, passed with
  \`--env-file\`). autocannon (keep-alive connections, one request in flight per connection) drives it from the
  same machine; latencies are autocannon's per-response times (float ms), req/s counts only answers with the
  expected status. \`RATE_LIMIT_LOGIN_IP\` and \`RATE_LIMIT_REFRESH_SESSION\` are raised with \`--var\` so the
  limits do not stop the load; every request still pays its rate-limit round trip to the Durable Object.
- **login/** runs a fixed number of requests per connection (hash-bound), cycling through seeded accounts
  (one account allows only 5 checks in flight). **refresh/** runs one rotating chain per connection, each
  started from a token of a fresh login. **Locked login/**: one account is locked with 5 wrong passwords,
  then hammered with the right password (423 expected).
- **In-worker timings** (bench/worker.js, same workerd, \`nodejs_compat\`, the service's compatibility date):
  each sample is bracketed by \`await\` of a 0 ms timer so the clock is read right after an event (in
  production workerd the clock only advances across I/O); the clock has ms resolution, so fast steps are
  timed in batches of 20 and divided. The bracket's own cost is listed. The scrypt figures are cross-checked
  from the client: one hash per request minus the median empty request. \`noble-async-noyield\` is
  \`scryptAsync\` with an \`asyncTick\` so large that it never yields: what remains between it and \`scrypt\` is
  its per-iteration bookkeeping (a \`Date.now()\` call per loop step, timed alone in the second table).
- **Lockout on a login**: \`underLockout(checkCredentials)\` with the check inside it timed too; the
  difference is the lockout's own cost on that login, free of the hash's run-to-run noise.
- **Data**: users (one shared precomputed \`$scrypt$ln=14,r=8,p=5$…\` hash), sessions and login_history rows are
  generated inside SQLite by \`INSERT … SELECT\` over a recursive counter (bench/seed.mjs), applied with
  \`wrangler d1 execute DB --local --persist-to bench/.tmp/state --file …\`; login_history's secondary indexes are
  dropped and rebuilt around each batch. The benchmarked user owns every 10th row; times spread over 90 days
  (\`days=30\` selects about a third).
- Local numbers: one workerd process serves every request on one thread (production spreads isolates over many
  machines), D1 and Durable Objects are local SQLite behind an extra process hop, and the load generator shares
  the CPUs. Compare runs on the same machine; other work on the machine shows in the load average.`;

export function render(run) {
  const m = run.machine;
  const parts = [
    '# Benchmark results',
    '',
    `Generated by \`npm run bench\` (bench/run.mjs) on ${run.started.toISOString()} in ${fmt(run.elapsedSeconds)} s.`,
    '',
    '## Machine and versions',
    '',
    table(
      ['CPU', 'cores', 'memory', 'OS', 'Node', 'wrangler', 'workerd', 'miniflare', '@noble/hashes', 'autocannon'],
      [
        [
          m.cpu,
          m.cores,
          `${m.memoryGiB.toFixed(1)} GiB`,
          m.os,
          m.node,
          m.wrangler,
          m.workerd,
          m.miniflare,
          m.noble,
          m.autocannon,
        ],
      ],
    ),
    '',
    `Load average (1/5/15 min) at start: ${run.loadStart}; at end: ${run.loadEnd}${run.loadSamples?.length ? `; 1-min load average sampled every 10 s during the run: min ${fmt(Math.min(...run.loadSamples))}, median ${fmt(median(run.loadSamples))}, max ${fmt(Math.max(...run.loadSamples))}` : ''}. Settings: connections ${run.config.levels.join(', ')}; ${run.config.duration} s per timed measurement; ${run.config.users.toLocaleString('en-US')} seeded users; scrypt N=2^14, r=8, p=5, dkLen 32.`,
    '',
    ...(peerMachineLine(run) ? [peerMachineLine(run), ''] : []),
    ...renderPeerSections(run),
    '## HTTP endpoints under load',
    '',
    !run.http ? 'Not measured.' : run.http.error ? `Failed: ${run.http.error}` : httpTable(run.http),
    '',
    '## Ratios',
    '',
    ratioRows(run),
    '',
    '## scrypt inside workerd (one request, same isolate)',
    '',
  ];
  if (run.micro?.error) parts.push(`Failed: ${run.micro.error}`, '');
  else if (run.micro) {
    const tables = microTables(run.micro);
    parts.push(
      tables.scrypt,
      '',
      `Both implementations derive the same key: ${run.micro.agree ? 'yes' : 'NO'}. Client-side: empty request median ${fmt(run.micro.scryptClient.baseline)} ms subtracted.`,
      '',
      '## Lockout Durable Object and me/ work (in-worker)',
      '',
      tables.steps,
      '',
    );
  }
  parts.push(
    '## login-history/ and login-statistics/ as login_history grows',
    '',
    run.growth?.length ? growthTable(run.growth) : 'Not measured.',
    '',
    ...growthLines(run.growth),
    '## Seeding',
    '',
    table(
      ['step', 'seconds'],
      run.seeding.map((s) => [s.what, fmt(s.seconds)]),
    ),
    '',
    '## Notes',
    '',
    ...(run.notes.length ? run.notes.map((note) => `- ${note}`) : ['- none']),
    '',
    '## Method',
    '',
    METHOD,
    PEER_METHOD,
    '',
  );
  return parts.join('\n');
}
