// The side-by-side sections of bench/RESULTS.md: our service against the peer (better-auth), the
// steps and pieces of our me/, round trips per endpoint and reads under a mixed load.
import { fmt, median, percentile, ratio, table } from './stats.mjs';

const p50 = (entry) => (entry?.times?.length ? median(entry.times) : Number.NaN);
const p99 = (entry) => (entry?.times?.length ? percentile(entry.times, 99) : Number.NaN);
const inWorker = (entry) => (entry?.inWorker?.length ? median(entry.inWorker) : Number.NaN);
const failures = (entry) =>
  Object.entries(entry?.failures ?? {})
    .map(([status, count]) => `${status}×${count}`)
    .join(', ');

/**
 * Median over rounds of (a request's client-side time − the same round's in-worker hash): both
 * were measured within seconds of each other, so the pairing removes most of the machine's drift.
 */
function pairedBeyondHash(request, hash) {
  const differences = (request?.byRound ?? [])
    .map((ms, round) =>
      ms === null || hash?.inWorkerByRound?.[round] == null ? null : ms - hash.inWorkerByRound[round],
    )
    .filter((value) => value !== null);
  return differences.length ? median(differences) : Number.NaN;
}

/** The headline figures, also used by the notes: every ratio is ours ÷ peer. */
export function headline(run) {
  const s = run.sideBySide?.series;
  if (!s) return null;
  const figures = {
    floor: [p50(s['ours.floor']), p50(s['peer.floor'])],
    read: [p50(s['ours.me']), p50(s['peer.session'])],
    readP99: [p99(s['ours.me']), p99(s['peer.session'])],
    login: [p50(s['ours.login']), p50(s['peer.login'])],
    unknown: [p50(s['ours.unknown']), p50(s['peer.unknown'])],
    hash: [inWorker(s['ours.hash']), inWorker(s['peer.hash'])],
  };
  figures.aboveFloor = [figures.read[0] - figures.floor[0], figures.read[1] - figures.floor[1]];
  figures.loginBeyondHash = [
    pairedBeyondHash(s['ours.login'], s['ours.hash']),
    pairedBeyondHash(s['peer.login'], s['peer.hash']),
  ];
  figures.unknownBeyondHash = [
    pairedBeyondHash(s['ours.unknown'], s['ours.hash']),
    pairedBeyondHash(s['peer.unknown'], s['peer.hash']),
  ];
  figures.loginCheap = p50(s['ours.loginCheap']);
  figures.hashers = {
    login: [p50(s['ours.login']), p50(s['ours.loginNative'])],
    hash: [inWorker(s['ours.hash']), inWorker(s['ours.hashNative'])],
  };
  figures.loginInline = p50(s['ours.loginInline']);
  return figures;
}

function sideBySideTables(run) {
  const s = run.sideBySide.series;
  const h = headline(run);
  const row = (label, [ours, peer], note = '') => [label, fmt(ours), fmt(peer), fmt(ratio(ours, peer)), note];
  const withP99 = (label, oursKey, peerKey) => [
    label,
    `${fmt(p50(s[oursKey]))} / ${fmt(p99(s[oursKey]))}`,
    `${fmt(p50(s[peerKey]))} / ${fmt(p99(s[peerKey]))}`,
    fmt(ratio(p50(s[oursKey]), p50(s[peerKey]))),
    [failures(s[oursKey]) && `ours: ${failures(s[oursKey])}`, failures(s[peerKey]) && `peer: ${failures(s[peerKey])}`]
      .filter(Boolean)
      .join('; '),
  ];
  const reads = table(
    ['measurement', 'ours p50 / p99 ms', 'peer p50 / p99 ms', 'ours ÷ peer (p50)', 'notes'],
    [
      withP99('stack floor: bare route (`/bench/floor` / `GET /health`)', 'ours.floor', 'peer.floor'),
      withP99('`GET me/` / `GET get-session`', 'ours.me', 'peer.session'),
      row('… above its own floor (p50 − floor p50)', h.aboveFloor),
    ],
  );
  const logins = table(
    ['measurement', 'ours p50 ms', 'peer p50 ms', 'ours ÷ peer', 'notes'],
    [
      row('`POST login/` / `POST sign-in/email`, right password', h.login, failures(s['ours.login']) || ''),
      row('… unknown email (each still hashes once)', h.unknown, failures(s['ours.unknown']) || ''),
      row(
        'password hash alone, in-worker median',
        h.hash,
        'ours: noble scrypt ln=14 r=8 p=5; peer: node:crypto scrypt N=2^14 r=16 p=1',
      ),
      row(
        'login beyond its own hash: median over rounds of (login − that round’s hash)',
        h.loginBeyondHash,
        `ours measured directly (minimal-cost hash): ${fmt(h.loginCheap)}`,
      ),
      row('unknown-email login beyond its own hash (same pairing)', h.unknownBeyondHash),
      row('login beyond hash and floor', [h.loginBeyondHash[0] - h.floor[0], h.loginBeyondHash[1] - h.floor[1]]),
    ],
  );
  const ours = table(
    ['our variant (same run)', 'p50 ms', 'in-worker hash ms', 'what it shows'],
    [
      [
        '`POST login/`, minimal-cost hash (ln=1, r=1, p=1)',
        fmt(p50(s['ours.loginCheap'])),
        '–',
        'our login without its hash, measured directly (compare: login − hash above)',
      ],
      [
        '… unknown email, minimal-cost hash',
        fmt(p50(s['ours.unknownCheap'])),
        '–',
        'the unknown-email path without hash',
      ],
      [
        'our hasher (@noble/hashes) at the peer’s cost (ln=14, r=16, p=1)',
        fmt(p50(s['ours.hashAtPeerCost'])),
        fmt(inWorker(s['ours.hashAtPeerCost'])),
        `same memory-hard work as the peer’s hash: noble ÷ node:crypto = ${fmt(ratio(inWorker(s['ours.hashAtPeerCost']), h.hash[1]))}`,
      ],
      [
        '`POST login/` with `PASSWORD_HASHER=native` (node:crypto scrypt, same stored hash)',
        fmt(p50(s['ours.loginNative'])),
        fmt(inWorker(s['ours.hashNative'])),
        `against the default (noble): login ÷ ${fmt(ratio(h.hashers.login[1], h.hashers.login[0]))}, hash ÷ ${fmt(ratio(h.hashers.hash[1], h.hashers.hash[0]))}`,
      ],
      [
        '`POST login/` hashing in the serving isolate (no `HASHER` binding)',
        fmt(h.loginInline),
        '',
        `the password-hashing Worker's RPC costs a login ${fmt(h.login[0] - h.loginInline)} ms (p50 with it − without)`,
      ],
      [
        'our default hash (ln=14, r=8, p=5) ÷ at the peer’s cost',
        '',
        fmt(ratio(h.hash[0], inWorker(s['ours.hashAtPeerCost']))),
        'our cost setting against the peer’s: 2.5× the work (N·r·p 655,360 vs 262,144) in half the memory (128·N·r: 16 vs 32 MiB), so not 2.5× the time',
      ],
    ],
  );
  const b = run.sideBySide.backToBack ?? {};
  const backToBack = table(
    [
      'back to back (autocannon, 1 connection, 3 s each)',
      'ours p50 / p99 ms',
      'peer p50 / p99 ms',
      'ours ÷ peer (p50)',
    ],
    [
      ['stack floor', 'ours.floor', 'peer.floor'],
      ['`GET me/` / `GET get-session`', 'ours.me', 'peer.session'],
    ].map(([label, oursKey, peerKey]) => [
      label,
      `${fmt(b[oursKey]?.p50)} / ${fmt(b[oursKey]?.p99)}`,
      `${fmt(b[peerKey]?.p50)} / ${fmt(b[peerKey]?.p99)}`,
      fmt(ratio(b[oursKey]?.p50, b[peerKey]?.p50)),
    ]),
  );
  const blocks = run.sideBySide.nativeHashBlocks;
  const blocking = blocks
    ? `node:crypto's callback \`scrypt\` (the peer's hasher) in workerd: ${blocks.timerTurns} turns of a 0 ms timer loop during one ${fmt(blocks.ms)} ms hash at the peer's cost, so ${blocks.timerTurns <= 3 ? 'it runs on the isolate’s own thread and blocks it, like our synchronous noble `scrypt`' : 'the isolate kept serving other work while it hashed'}.`
    : '';
  return { reads, backToBack, logins, ours, blocking };
}

function staircaseTable(run) {
  const s = run.sideBySide.series;
  const steps = [
    ['bare Hono route (`/bench/floor`)', 'ours.floor'],
    [
      '+ global middleware: request context (id, client info, config, log line), secure headers, CORS (`/bench/mw`)',
      'ours.mw',
    ],
    ['+ requireAuth: token check, session + user (1 D1 query) (`/bench/auth`)', 'ours.auth'],
    ['+ nested routing and the user body: `GET me/`', 'ours.me'],
    ['`GET me/` with console.log muted (no request log line, which is written after the answer)', 'ours.meQuiet'],
  ];
  let previous = Number.NaN;
  return table(
    ['step', 'p50 ms', 'p99 ms', 'added p50 ms'],
    steps.map(([label, key], index) => {
      const value = p50(s[key]);
      const added = index === 4 ? value - p50(s['ours.me']) : value - previous;
      if (index < 4) previous = value;
      return [label, fmt(value), fmt(p99(s[key])), index === 0 ? '–' : fmt(added)];
    }),
  );
}

function partsTable(parts) {
  return table(
    ['piece (in-worker, interleaved batches)', 'batch', 'median ms/op', 'min', 'max'],
    Object.values(parts).map(({ label, batch, times }) => [
      label,
      batch,
      fmt(median(times)),
      fmt(Math.min(...times)),
      fmt(Math.max(...times)),
    ]),
  );
}

/** Where our me/ time goes, in-worker, from the pieces' medians (differences of interleaved medians). */
function budgetTable(parts, run) {
  const m = (key) => median(parts[key]?.times ?? []);
  const s = run.sideBySide?.series;
  const rows = [
    ['bare Hono route', m('floor'), 'the floor, in-worker'],
    [
      'all global middleware without the log line (request id, client info, config, secure headers, CORS, routing)',
      m('mwQuiet') - m('floor'),
      `request-context middleware alone: ${fmt(m('context') - m('floor'))}; readClientInfo ${fmt(m('clientInfo'))} (ua-parser ${fmt(m('userAgent'))}), randomUUID ${fmt(m('uuid'))}, cached loadConfig ${fmt(m('config'))}`,
    ],
    [
      'the request log line (one console.log, written after the answer; locally workerd hands it to wrangler dev)',
      m('mw') - m('mwQuiet'),
      `alone: ${fmt(m('logLine'))} per line (${fmt(m('logStringify'))} of it JSON.stringify); console.log(object) ${fmt(m('logObject'))}; three fields ${fmt(m('logMinimal'))}`,
    ],
    ['requireAuth: token check', m('jwt'), 'jose jwtVerify, Ed25519'],
    [
      'requireAuth: session + user, one D1 round trip (local D1)',
      m('lookupSql'),
      `SELECT 1 alone: ${fmt(m('select1Bare'))}`,
    ],
    [
      'requireAuth: drizzle on top of that query',
      m('lookup') - m('lookupSql'),
      `drizzle CPU without I/O: ${fmt(m('lookupCpu'))}`,
    ],
    ['GET me/ in-worker, total (log muted / with log)', m('meQuiet'), `with log line: ${fmt(m('me'))}`],
    [
      'once per isolate, not per request: configuration parse, JWK import',
      m('keysCold') - m('jwt'),
      `zod parse alone ${fmt(m('configCold'))}; cached afterwards (${fmt(m('config'))})`,
    ],
  ];
  if (s) {
    rows.push([
      'GET me/ over HTTP − floor over HTTP (client-side p50s)',
      p50(s['ours.me']) - p50(s['ours.floor']),
      `peer get-session − its floor: ${fmt(p50(s['peer.session']) - p50(s['peer.floor']))}`,
    ]);
  }
  return table(
    ['where our me/ time goes (in-worker medians, ms)', 'ms', 'detail'],
    rows.map(([label, value, detail]) => [label, fmt(value), detail]),
  );
}

function roundTripTable(roundTrips) {
  const rows = [];
  for (const side of ['ours', 'peer']) {
    for (const [label, r] of Object.entries(roundTrips[side] ?? {})) {
      rows.push([
        side === 'ours' ? label : `peer: ${label}`,
        r.status,
        `${r.d1} (${r.statements})`,
        r.batches,
        r.d1BeforeAnswer,
        r.criticalD1,
        r.criticalDurableObject === null ? '–' : `${r.durableObject} / ${r.criticalDurableObject}`,
        r.rowsWritten ?? 'n/a',
        fmt(r.answerMs),
      ]);
    }
  }
  return table(
    [
      'endpoint',
      'status',
      'D1 executions (statements)',
      'of which batches',
      'issued before the answer',
      'sequential D1 round trips the answer waits for',
      'Durable Object calls / sequential',
      'rows written (D1 meta)',
      'in-worker answer ms (no delay, best of 2)',
    ],
    rows,
  );
}

function roundTripDetails(roundTrips) {
  const lines = [];
  for (const side of ['ours', 'peer']) {
    for (const [label, r] of Object.entries(roundTrips[side] ?? {})) {
      lines.push(`- ${side === 'ours' ? '' : 'peer: '}${label}:`);
      for (const call of r.calls) {
        const when = call.beforeAnswer ? 'before answer' : 'after answer';
        const what =
          call.kind === 'durable-object'
            ? `Durable Object \`${call.method}()\``
            : call.kind === 'batch'
              ? `batch [${call.sql.map((sql) => `\`${sql.slice(0, 70)}\``).join(', ')}]`
              : `\`${call.sql.slice(0, 90)}\``;
        lines.push(`  - ${when}: ${what}`);
      }
    }
  }
  return lines.join('\n');
}

const PLACES = {
  inline: 'hashing in the serving isolate (before)',
  'same-process': 'hashing Worker, same process (`npm start`)',
  'other-process': 'hashing Worker, own process',
  logins: 'with logins',
};

/** Reads under load: p50 / p99 without logins, then with logins in each busy condition. */
function mixedTable(mixed) {
  const rows = [];
  for (const [side, result] of [
    ['ours', mixed.ours],
    ['peer', mixed.peer],
  ]) {
    if (!result?.busy) continue;
    for (const key of Object.keys(result.quiet)) {
      const quiet = result.quiet[key];
      for (const [condition, busy] of Object.entries(result.busy)) {
        const read = busy.reads[key];
        rows.push([
          `${side}: ${key}`,
          PLACES[condition] ?? condition,
          `${quiet.count} / ${read?.count ?? 0}`,
          `${fmt(quiet.p50)} / ${fmt(quiet.p99)}`,
          `${fmt(read?.p50)} / ${fmt(read?.p99)}`,
          fmt(ratio(read?.p99, quiet.p99)),
          [failures(quiet), failures(read)].filter(Boolean).join('; ') || '–',
        ]);
      }
    }
    for (const [condition, busy] of Object.entries(result.busy)) {
      rows.push([
        `${side}: the logins themselves`,
        PLACES[condition] ?? condition,
        `– / ${busy.login.count}`,
        '',
        `${fmt(busy.login.p50)} / ${fmt(busy.login.p99)}`,
        '',
        '',
      ]);
    }
    rows.push([
      `${side}: all conditions`,
      '',
      '',
      '',
      '',
      '',
      `${result.loginFailures} logins failed; reads that waited for a free client: ${result.late}`,
    ]);
  }
  return table(
    [
      'reads',
      'logins hashed by',
      'samples (without / with logins)',
      'p50 / p99 ms without logins',
      'p50 / p99 ms with logins',
      'p99 with ÷ without',
      'notes',
    ],
    rows,
  );
}

/** A few sentences with the figures the issue asks for, from the tables below. */
function headlineLines(run) {
  const lines = [];
  const h = headline(run);
  const pair = ([ours, peer], digits) =>
    `${fmt(ours, digits)} ms vs ${fmt(peer, digits)} ms (÷ ${fmt(ratio(ours, peer))})`;
  if (h && run.sideBySide.peer) {
    lines.push(
      `- \`me/\` vs \`get-session\`, p50: ${pair(h.read)}; above each one's own floor: ${pair(h.aboveFloor)}; floors ${pair(h.floor)}.`,
      `- \`login/\` vs \`sign-in/email\`, p50: ${pair(h.login)}; unknown email: ${pair(h.unknown)}; the hash alone: ${pair(h.hash)}; login beyond its hash: ${pair(h.loginBeyondHash)} (ours measured directly with a minimal-cost hash: ${fmt(h.loginCheap)} ms).`,
    );
  }
  const trips = run.roundTrips;
  if (trips && !trips.error) {
    const describe = (r) =>
      r
        ? `${r.criticalD1} D1${r.criticalDurableObject ? ` + ${r.criticalDurableObject} DO` : ''} (${r.d1} D1 executions in all)`
        : 'n/a';
    lines.push(
      `- Sequential round trips before the answer: \`me/\` ${describe(trips.ours['GET me/'])}, \`refresh/\` ${describe(trips.ours['POST refresh/'])}, \`login/\` ${describe(trips.ours['POST login/'])}; peer \`get-session\` ${describe(trips.peer?.['GET get-session'])}, \`sign-in/email\` ${describe(trips.peer?.['POST sign-in/email'])}.`,
    );
  }
  if (h?.hashers) {
    lines.push(
      `- \`PASSWORD_HASHER\`: \`login/\` p50 noble ${fmt(h.hashers.login[0])} ms, native ${fmt(h.hashers.login[1])} ms (÷ ${fmt(ratio(h.hashers.login[1], h.hashers.login[0]))}); the hash alone ${fmt(h.hashers.hash[0])} vs ${fmt(h.hashers.hash[1])} ms (÷ ${fmt(ratio(h.hashers.hash[1], h.hashers.hash[0]))}).`,
    );
  }
  const mixed = run.mixed;
  if (mixed?.ours?.quiet?.['me/'] && mixed.ours.busy) {
    const q = mixed.ours.quiet['me/'];
    const parts = Object.entries(mixed.ours.busy).map(([condition, busy]) => {
      const b = busy.reads['me/'];
      return `${PLACES[condition] ?? condition}: ${fmt(b?.p50)} / ${fmt(b?.p99)} ms (p99 × ${fmt(ratio(b?.p99, q.p99))})`;
    });
    let line = `- Mixed load, \`me/\` p50 / p99 without logins ${fmt(q.p50)} / ${fmt(q.p99)} ms; with logins, ${parts.join('; ')}`;
    const pq = mixed.peer?.quiet?.['get-session'];
    const pb = mixed.peer?.busy?.logins?.reads?.['get-session'];
    if (pq)
      line += `; peer \`get-session\` ${fmt(pq.p50)} / ${fmt(pq.p99)} → ${fmt(pb?.p50)} / ${fmt(pb?.p99)} ms (p99 × ${fmt(ratio(pb?.p99, pq.p99))})`;
    lines.push(`${line}.`);
  }
  return lines;
}

const failed = (value) => (value?.error ? `Failed: ${value.error.split('\n')[0]}` : null);

/** The markdown of the side-by-side sections (empty when the phase did not run). */
export function renderPeerSections(run) {
  if (!run.sideBySide && !run.roundTrips && !run.mixed && !run.parts) return [];
  const parts = ['## Side by side with better-auth (interleaved, same run)', ''];
  if (run.peer && !run.peer.available) parts.push(`Peer not measured: ${run.peer.note}`, '');
  const lines = headlineLines(run);
  if (lines.length) parts.push('Headline (every ratio is ours ÷ peer; details below):', '', ...lines, '');
  const sideFailure = failed(run.sideBySide);
  if (sideFailure) parts.push(sideFailure, '');
  else if (run.sideBySide) {
    const tables = sideBySideTables(run);
    parts.push(
      `${run.sideBySide.readRounds} rounds of reads and ${run.sideBySide.loginRounds} rounds of logins; each round sends one request of every series in a fresh random order, one at a time. Client-side times (send to last byte); hash times are in-worker. Ratios are ours ÷ peer.`,
      '',
      tables.reads,
      '',
      'The same reads without interleaving: each series alone for 3 s, back to back, with the client of the HTTP phase (autocannon). Absolute times differ from the interleaved rounds (another client, and a stack kept busy rather than woken for each request); the interleaved rounds are the fair comparison, since both stacks see the same moments of the machine.',
      '',
      tables.backToBack,
      '',
      tables.logins,
      '',
      tables.ours,
      '',
      tables.blocking,
      '',
      '### Our me/, step by step (HTTP, same interleaved rounds)',
      '',
      staircaseTable(run),
      '',
    );
  }
  if (run.parts) {
    parts.push('### The pieces of me/, in-worker', '');
    if (failed(run.parts)) parts.push(failed(run.parts), '');
    else parts.push(budgetTable(run.parts, run), '', partsTable(run.parts), '');
  }
  parts.push('## D1 and Durable Object round trips per request', '');
  if (failed(run.roundTrips)) parts.push(failed(run.roundTrips), '');
  else if (run.roundTrips) {
    parts.push(
      `Counted by wrapping the D1 and Durable Object bindings (bench/worker-probe.js). "Sequential" = (answer time with every D1 execution, or every Durable Object call, delayed by ${run.roundTrips.delayMs} ms − without) ÷ ${run.roundTrips.delayMs}: the round trips a client far from the primary waits for one after another. Our logins here use the minimal-cost hash (same code path). The locked-account row expects 423 only when the HTTP phase ran (it locks the account).`,
      '',
      roundTripTable(run.roundTrips),
      '',
      '<details><summary>Every execution, in order</summary>',
      '',
      roundTripDetails(run.roundTrips),
      '',
      '</details>',
      '',
    );
  } else parts.push('Not measured.', '');
  parts.push('## Reads under a mixed load, with and without logins (same run)', '');
  if (failed(run.mixed)) parts.push(failed(run.mixed), '');
  else if (run.mixed?.ours) {
    const m = run.mixed.ours.settings;
    parts.push(
      `Open loop: ${m.readRate} reads/s over up to ${m.clients} connections (ours: me/ 50 %, login-history/ 20 %, login-statistics/ 20 %, refresh/ 10 %; peer: get-session), in ${m.slices} slices of ${m.sliceSeconds} s alternating without logins and with logins at ${m.loginRate}/s (right password, default cost: ours scrypt ln=14 r=8 p=5, the peer its own); ours cycles its busy slices through where the logins hash: in the serving isolate, in the password-hashing Worker of the same wrangler dev, in one running in its own process. Locally one workerd process runs all its isolates on one thread, so only a hash in another process can leave the reads alone; see the README's "Reads while sign-ins hash" for what production does.`,
      '',
      mixedTable(run.mixed),
      '',
    );
  } else parts.push('Not measured.', '');
  return parts;
}

/** Rows for the machine section: the peer's versions and hasher. */
export function peerMachineLine(run) {
  if (!run.peer) return null;
  if (!run.peer.available) return `Peer: not measured (${run.peer.note}).`;
  const v = run.peer.versions;
  return `Peer: better-auth ${v.betterAuth}, hono ${v.hono}, drizzle-orm ${v.drizzle} (its runtime dependencies from the npm registry${run.peer.installSeconds ? `, installed in ${fmt(run.peer.installSeconds)} s` : ', cached in bench/.tmp/peer'}), run by our wrangler/workerd. Its bundled password hasher: ${run.peer.hasher}.`;
}

export const PEER_METHOD = `- **Side by side**: the bench worker (bench/worker.js + worker-service.js) serves our app exactly as
  src/index.ts does (\`createApp().fetch\`), plus bench routes under /bench/; the peer runs from a copy of its source
  (bench/.tmp/peer) with a bench entry (bench/peer-worker.js) that serves its app unchanged plus \`/bench/hash\`. Both
  run under \`wrangler dev\` from our wrangler (same workerd), each with its own port and state, both behind the same
  counting D1 wrapper (bench/worker-probe.js, inactive outside probes). POSTs carry an Origin as a browser's would
  (better-auth refuses them without one). The hash alone is timed in-worker: our \`PasswordHasher.hash\` (what
  login/ runs) and better-auth's \`hashPassword\` from \`better-auth/crypto\` (what its sign-in calls).
- **Login beyond its hash**: login p50 − in-worker hash median, for each. better-auth has no setting for its scrypt
  cost, so the peer's can only be obtained by subtraction; ours is also measured directly with a minimal-cost hash
  (\`x-bench-scrypt: cheap\`: the bench worker serves the request with SCRYPT_LOG_N=1, SCRYPT_R=1, SCRYPT_P=1 and
  a user whose stored hash has that cost), which checks the subtraction.
- **Round trips**: every D1 execution (a statement on its own or a batch) and Durable Object call of one request
  and its deferred work, and how many of them the answer waits for in sequence (delay method above).
- **Mixed load**: open-loop arrivals, alternating slices without and with logins, p50/p99 client-side per read.`;
