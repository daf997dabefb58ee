// Fills the bench's local D1 with realistic users, sessions and login-history rows, fast.
//
// Why SQL generated inside SQLite: a million literal rows would be a ~400 MB SQL file that
// `wrangler d1 execute` has to read, split and send. Instead each step writes a small SQL file
// whose INSERT ... SELECT walks a recursive counter and derives every column from the row number
// through cheap integer hashes (a Knuth multiplicative hash), joining small weighted tables of
// realistic devices/browsers and places. The data is therefore deterministic for a given row
// number (the same mix on every run), and only ids and random tokens come from randomblob().
// The files go through `wrangler d1 execute DB --local --persist-to bench/.tmp/state --file=...`,
// the supported way into the same database `wrangler dev --persist-to` serves.
import { randomBytes, scrypt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

export const BENCH_EMAIL = 'bench@example.com';
export const LOCKED_EMAIL = 'locked@example.com';
/** Signs in with a hash at the format's lowest cost (ln=1, r=1, p=1): a login without its hash. */
export const CHEAP_EMAIL = 'cheap@example.com';
export const CHEAP_SCRYPT = { logN: 1, r: 1, p: 1 };
/** Satisfies the password policy; every seeded user shares it (and one precomputed hash). */
export const BENCH_PASSWORD = 'Bench-Passw0rd!';

const DAY_MS = 24 * 3600 * 1000;
/** History spreads over the last 90 days, so `days=30` selects about a third of a user's rows. */
const HISTORY_SPAN_MS = 90 * DAY_MS;

/**
 * The service's stored format, `$scrypt$ln=14,r=8,p=5$<salt>$<hash>` (16-byte salt, 32-byte key,
 * base64url without padding), computed once with node:crypto at the service's default cost.
 */
export async function sharedPasswordHash(password = BENCH_PASSWORD, { logN, r, p } = { logN: 14, r: 8, p: 5 }) {
  const salt = randomBytes(16);
  const N = 2 ** logN;
  const key = await promisify(scrypt)(password.normalize('NFKC'), salt, 32, {
    N,
    r,
    p,
    maxmem: Math.max(2 * 128 * r * N, 2 ** 20),
  });
  return `$scrypt$ln=${logN},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const sqlText = (value) => (value === null ? 'NULL' : `'${String(value).replaceAll("'", "''")}'`);

/** SQLite expression for a random v4 UUID (lower-case, dashed). */
const UUID = `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
  substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`;

// [weight, device, browser, browser_name, os, user agent]: what ua-parser-js 1.x makes of these.
const CLIENTS = [
  [
    22,
    'Desktop',
    'Chrome 120',
    'Chrome',
    'Windows 10',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  ],
  [
    8,
    'Desktop',
    'Chrome 121',
    'Chrome',
    'Mac OS 10.15.7',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36',
  ],
  [
    7,
    'Desktop',
    'Firefox 121',
    'Firefox',
    'Windows 10',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
  ],
  [
    3,
    'Desktop',
    'Firefox 120',
    'Firefox',
    'Ubuntu',
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
  ],
  [
    8,
    'Desktop',
    'Edge 120',
    'Edge',
    'Windows 10',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91',
  ],
  [
    7,
    'Desktop',
    'Safari 17.2',
    'Safari',
    'Mac OS 10.15.7',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  ],
  [
    16,
    'Mobile',
    'Chrome 120',
    'Chrome',
    'Android 14',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36',
  ],
  [
    14,
    'Mobile',
    'Mobile Safari 17.2',
    'Mobile Safari',
    'iOS 17.2',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
  ],
  [
    2,
    'Mobile',
    'Firefox 121',
    'Firefox',
    'Android 14',
    'Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0',
  ],
  [
    5,
    'Tablet',
    'Mobile Safari 17.2',
    'Mobile Safari',
    'iOS 17.2',
    'Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
  ],
  [
    3,
    'Tablet',
    'Chrome 120',
    'Chrome',
    'Android 13',
    'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Safari/537.36',
  ],
  [3, 'Other', null, null, null, 'curl/8.4.0'],
  [
    2,
    'Other',
    'Chrome 120',
    'Chrome',
    'Linux',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
  ],
];

// [weight, country, country_code, city, region, latitude, longitude, timezone]
const PLACES = [
  [20, 'France', 'FR', 'Paris', 'Île-de-France', 48.8566, 2.3522, 'Europe/Paris'],
  [8, 'France', 'FR', 'Lyon', 'Auvergne-Rhône-Alpes', 45.764, 4.8357, 'Europe/Paris'],
  [4, 'France', 'FR', 'Marseille', "Provence-Alpes-Côte d'Azur", 43.2965, 5.3698, 'Europe/Paris'],
  [6, 'Belgium', 'BE', 'Brussels', 'Brussels Capital', 50.8503, 4.3517, 'Europe/Brussels'],
  [4, 'Switzerland', 'CH', 'Geneva', 'Geneva', 46.2044, 6.1432, 'Europe/Zurich'],
  [6, 'Canada', 'CA', 'Montreal', 'Quebec', 45.5017, -73.5673, 'America/Toronto'],
  [5, 'Senegal', 'SN', 'Dakar', 'Dakar', 14.7167, -17.4677, 'Africa/Dakar'],
  [4, 'Morocco', 'MA', 'Casablanca', 'Casablanca-Settat', 33.5731, -7.5898, 'Africa/Casablanca'],
  [8, 'United States', 'US', 'New York', 'New York', 40.7128, -74.006, 'America/New_York'],
  [4, 'United States', 'US', 'San Francisco', 'California', 37.7749, -122.4194, 'America/Los_Angeles'],
  [7, 'United Kingdom', 'GB', 'London', 'England', 51.5074, -0.1278, 'Europe/London'],
  [5, 'Germany', 'DE', 'Berlin', 'Land Berlin', 52.52, 13.405, 'Europe/Berlin'],
  [4, 'Spain', 'ES', 'Madrid', 'Madrid', 40.4168, -3.7038, 'Europe/Madrid'],
  [3, 'Brazil', 'BR', 'São Paulo', 'São Paulo', -23.5505, -46.6333, 'America/Sao_Paulo'],
  [3, 'India', 'IN', 'Mumbai', 'Maharashtra', 19.076, 72.8777, 'Asia/Kolkata'],
  [2, 'Japan', 'JP', 'Tokyo', 'Tokyo', 35.6762, 139.6503, 'Asia/Tokyo'],
  [2, 'Australia', 'AU', 'Sydney', 'New South Wales', -33.8688, 151.2093, 'Australia/Sydney'],
];

/**
 * A small lookup table `name(slot INTEGER PRIMARY KEY, ...columns)` where each entry takes `weight`
 * slots, so a hash modulo the slot count is a weighted pick and the join is a rowid lookup (a join on
 * a VALUES CTE would scan it for each of a million rows). Dropped again by `dropLookupTables`.
 */
function lookupTable(name, columns, entries) {
  const rows = [];
  for (const [weight, ...values] of entries) {
    for (let i = 0; i < weight; i++) rows.push(`(${rows.length}, ${values.map(literal).join(', ')})`);
  }
  const sql = `DROP TABLE IF EXISTS ${name};
CREATE TABLE ${name} (slot INTEGER PRIMARY KEY, ${columns.join(', ')});
INSERT INTO ${name} VALUES ${rows.join(',\n  ')};`;
  return { sql, slots: rows.length };
}
const literal = (value) => (typeof value === 'number' ? String(value) : sqlText(value));

/**
 * Users: row 1 is the benchmarked user, row 2 the account the bench locks, then `count` others,
 * then CHEAP_EMAIL with `cheapHash`. All verified and active, the others sharing one password
 * hash, created over the last year.
 */
export function usersSql({ count, passwordHash, cheapHash, now = Date.now() }) {
  const roles = ['STUDENT', 'STUDENT', 'STUDENT', 'STUDENT', 'STUDENT_PREMIUM', 'STUDENT', 'INSTRUCTOR', 'STUDENT'];
  const columns =
    'id, email, username, password_hash, role, locale, is_email_verified, is_active, is_suspended, mfa_enabled, last_login_at, created_at, updated_at';
  const fixed = [
    [BENCH_EMAIL, 'bench_user'],
    [LOCKED_EMAIL, 'locked_user'],
  ].map(
    ([email, username]) =>
      `INSERT INTO users (${columns}) VALUES (${UUID}, ${sqlText(email)}, ${sqlText(username)}, ${sqlText(passwordHash)}, 'STUDENT', 'en', 1, 1, 0, 0, NULL, ${now - 200 * DAY_MS}, ${now - 200 * DAY_MS});`,
  );
  const others = `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${count})
INSERT INTO users (${columns})
SELECT ${UUID}, printf('user%06d@example.com', n), printf('user_%06d', n), ${sqlText(passwordHash)},
  CASE n % ${roles.length} ${roles.map((role, i) => `WHEN ${i} THEN '${role}'`).join(' ')} END,
  CASE WHEN n % 3 = 0 THEN 'fr' ELSE 'en' END, 1, 1, 0, 0,
  ${now} - (n * 2654435761) % ${7 * DAY_MS},
  ${now} - (n * 40503) % ${365 * DAY_MS}, ${now} - (n * 40503) % ${365 * DAY_MS}
FROM seq;`;
  const cheap = `INSERT INTO users (${columns}) VALUES (${UUID}, ${sqlText(CHEAP_EMAIL)}, 'cheap_user', ${sqlText(cheapHash)}, 'STUDENT', 'en', 1, 1, 0, 0, NULL, ${now - 200 * DAY_MS}, ${now - 200 * DAY_MS});`;
  return [...fixed, others, cheap].join('\n');
}

const CLIENT_COLUMNS = ['device', 'browser', 'browser_name', 'os', 'ua'];
const PLACE_COLUMNS = ['country', 'country_code', 'city', 'region', 'lat', 'lon', 'tz'];
const clients = () => lookupTable('_seed_clients', CLIENT_COLUMNS, CLIENTS);
const places = () => lookupTable('_seed_places', PLACE_COLUMNS, PLACES);
const dropLookupTables = 'DROP TABLE IF EXISTS _seed_clients;\nDROP TABLE IF EXISTS _seed_places;';
/** Rows 3.. of users are the "other" users (1 is the benchmarked user, 2 the locked one, the cheap one last). */
const OTHER_USERS = "(SELECT count(*) FROM users WHERE email LIKE 'user%@example.com')";

/** A public-looking IPv4 address derived from a hash expression. */
function ipExpression(h) {
  return `((${h} / 3) % 223 + 1) || '.' || ((${h} / 11) % 256) || '.' || ((${h} / 101) % 256) || '.' || ((${h} / 1009) % 254 + 1)`;
}

/**
 * Sessions: `perUser` per seeded user (besides the benchmarked one), a mix of live, revoked and
 * expired, so that session lookups run against a realistically sized table. Their refresh token
 * hashes are random: nobody presents them. CROSS JOIN keeps the counter as the outer loop.
 */
export function sessionsSql({ perUser, now = Date.now() }) {
  const [c, p] = [clients(), places()];
  return `${c.sql}
${p.sql}
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${OTHER_USERS} * ${perUser}),
  picked AS (SELECT n, (n * 2654435761) % 4294967296 AS h FROM seq)
INSERT INTO sessions (id, user_id, refresh_token_hash, remember_me, created_at, last_used_at,
  expires_at, revoked_at, revoked_reason, ip_address, user_agent, device, browser, os, country, city, region, latitude,
  longitude, timezone)
SELECT ${UUID}, u.id, lower(hex(randomblob(32))), (h % 4 = 0),
  ${now} - h % ${20 * DAY_MS}, ${now} - h % ${DAY_MS},
  ${now} - h % ${20 * DAY_MS} + CASE WHEN h % 4 = 0 THEN ${30 * DAY_MS} ELSE ${DAY_MS} END,
  CASE WHEN h % 10 = 1 THEN ${now} - h % ${DAY_MS} END, CASE WHEN h % 10 = 1 THEN 'logout' END,
  ${ipExpression('h')}, c.ua, c.device, c.browser, c.os, p.country, p.city, p.region, p.lat, p.lon, p.tz
FROM picked
CROSS JOIN users u ON u.rowid = 3 + n % ${OTHER_USERS}
CROSS JOIN _seed_clients c ON c.slot = (h / 7) % ${c.slots}
CROSS JOIN _seed_places p ON p.slot = (h / 131) % ${p.slots};
${dropLookupTables}`;
}

/**
 * Login history rows numbered `from`..`to` (1-based, cumulative across calls): every
 * `benchEvery`-th row belongs to the benchmarked user (interleaved, as real rows of many users
 * are), the rest to the other users (3% to unknown emails, as failed guesses). About 90% succeed overall;
 * failures are mostly wrong passwords, some lockouts; ~2% of successes are flagged suspicious.
 * Times spread over the last 90 days.
 *
 * `indexes` ({name, sql} read from sqlite_master) are dropped before the insert and rebuilt after
 * it (unless `rebuild` is false: a series of inserts rebuilds them once, after the last): building an
 * index over sorted data is about twice as fast as a million random B-tree inserts into three
 * indexes. The rebuilt indexes are the migrations' own definitions, read back verbatim.
 */
export function historySql({
  from,
  to,
  benchEvery,
  indexes = [],
  rebuild = true,
  spanMs = HISTORY_SPAN_MS,
  now = Date.now(),
}) {
  const [c, p] = [clients(), places()];
  return `${c.sql}
${p.sql}
${indexes.map((index) => `DROP INDEX IF EXISTS "${index.name}";`).join('\n')}
WITH RECURSIVE seq(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM seq WHERE n < ${to}),
  picked AS (
    SELECT n, h, n % ${benchEvery} = 0 AS mine, (n % ${benchEvery} <> 0 AND h % 100 < 3) AS unknown,
      (h / 13) % 100 < 93 AS ok
    FROM (SELECT n, (n * 2654435761) % 4294967296 AS h FROM seq)
  )
INSERT INTO login_history (id, user_id, email, success, failure_reason, method, session_id, ip_address, user_agent,
  device, browser, browser_name, os, country, country_code, city, region, latitude, longitude, timezone, suspicious,
  suspicious_reasons, created_at)
SELECT ${UUID},
  CASE WHEN unknown THEN NULL ELSE u.id END,
  CASE WHEN unknown THEN printf('nobody%d@example.net', n % 5000) ELSE u.email END,
  ok AND NOT unknown,
  CASE WHEN ok AND NOT unknown THEN NULL WHEN h % 17 = 0 THEN 'account_locked' ELSE 'invalid_credentials' END,
  'password',
  CASE WHEN ok AND NOT unknown THEN ${UUID} END,
  ${ipExpression('h')}, c.ua, c.device, c.browser, c.browser_name, c.os,
  p.country, p.country_code, p.city, p.region, p.lat, p.lon, p.tz,
  ok AND NOT unknown AND h % 50 = 7,
  CASE WHEN ok AND NOT unknown AND h % 50 = 7 THEN '["new_country"]' END,
  ${now} - (n * 40503 + h) % ${spanMs}
FROM picked
CROSS JOIN users u ON u.rowid = CASE WHEN mine THEN 1 ELSE 3 + n % ${OTHER_USERS} END
CROSS JOIN _seed_clients c ON c.slot = (h / 7) % ${c.slots}
CROSS JOIN _seed_places p ON p.slot = (h / 131) % ${p.slots};
${rebuild ? indexes.map((index) => `${index.sql};`).join('\n') : ''}
${dropLookupTables}`;
}

/**
 * Audit entries as a successful sign-in writes them (`login.succeeded`, with its session id, method
 * and amr), `perUser` per other user, spread over `spanMs`: the table a sign-in grows the most over
 * AUDIT_RETENTION_DAYS.
 */
export function auditSql({ perUser, spanMs = HISTORY_SPAN_MS, now = Date.now() }) {
  const c = clients();
  return `${c.sql}
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${OTHER_USERS} * ${perUser}),
  picked AS (SELECT n, (n * 2654435761) % 4294967296 AS h FROM seq)
INSERT INTO audit_log (id, event, user_id, actor_id, ip_address, user_agent, details, created_at)
SELECT ${UUID}, 'login.succeeded', u.id, u.id, ${ipExpression('h')}, c.ua,
  json_object('session_id', ${UUID}, 'method', 'password', 'amr', json_array('password')),
  ${now} - (n * 40503 + h) % ${spanMs}
FROM picked
CROSS JOIN users u ON u.rowid = 3 + n % ${OTHER_USERS}
CROSS JOIN _seed_clients c ON c.slot = (h / 7) % ${c.slots};
DROP TABLE IF EXISTS _seed_clients;`;
}

export function writeSql(file, sql) {
  writeFileSync(file, `${sql}\n`);
  return file;
}
