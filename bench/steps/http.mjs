// HTTP load against the service under `wrangler dev`: login/, refresh/, me/, a locked login/,
// login-history/ and login-statistics/, each at a few concurrency levels.
import { call, load } from '../lib/load.mjs';
import { BENCH_EMAIL, BENCH_PASSWORD, LOCKED_EMAIL } from '../seed.mjs';

const API = '/api/auth';
const json = { 'content-type': 'application/json' };
const seededEmail = (n) => `user${String(n).padStart(6, '0')}@example.com`;

/** Signs in once; returns the login body (tokens) or throws with what came back. */
export async function signIn(url, email = BENCH_EMAIL, password = BENCH_PASSWORD) {
  const response = await call(`${url}${API}/login/`, { method: 'POST', json: { email, password } });
  if (response.status !== 200) throw new Error(`login ${email}: ${response.status} ${JSON.stringify(response.data)}`);
  return response.data;
}

/**
 * login/ with the right password, cycling through the seeded users so that no account has
 * several checks in flight (the lockout allows at most 5 at once per account). Hash-bound, so it
 * runs a fixed number of requests per connection instead of a fixed time. Every successful
 * answer's refresh token is kept for the refresh/ measurement.
 */
async function measureLogin({ url, levels, users, perConnection, refreshPool }) {
  let next = 0;
  const setupRequest = (request) => {
    next = (next % users) + 1;
    request.body = JSON.stringify({ email: seededEmail(next), password: BENCH_PASSWORD });
    return request;
  };
  const onResponse = (status, body) => {
    if (status === 200) refreshPool.push(JSON.parse(body).refresh_token);
  };
  const common = { url, path: `${API}/login/`, method: 'POST', headers: json, setupRequest, onResponse };
  await load({ ...common, connections: 1, amount: 2 }); // warm-up
  const rows = [];
  for (const connections of levels) {
    rows.push(await load({ ...common, connections, amount: Math.max(8, perConnection * connections) }));
  }
  return rows;
}

/**
 * refresh/: tokens rotate, so each request presents a token nobody used yet. The pool starts with
 * the refresh tokens of fresh logins; each answer puts its new token back, so every session runs
 * a chain of rotations. (autocannon resets a connection's context after each request, so the pool
 * is shared rather than per connection.) A token in flight when a run stops is lost: the pool
 * starts with more tokens than the sum of the connection counts.
 */
async function measureRefresh({ url, levels, duration, refreshPool }) {
  const setupRequest = (request) => {
    request.body = JSON.stringify({ refresh_token: refreshPool.pop() ?? 'exhausted-refresh-token-pool-0000' });
    return request;
  };
  const onResponse = (status, body) => {
    if (status === 200) refreshPool.push(JSON.parse(body).refresh_token);
  };
  const common = { url, path: `${API}/refresh/`, method: 'POST', headers: json, setupRequest, onResponse };
  await load({ ...common, connections: 1, duration: 1 }); // warm-up
  const rows = [];
  for (const connections of levels) rows.push(await load({ ...common, connections, duration }));
  return rows;
}

/** A GET endpoint with a bearer token, at each level (after a one-second warm-up). */
export async function measureGet({ url, path, token, levels, duration }) {
  const common = { url, path, headers: { authorization: `Bearer ${token}` } };
  await load({ ...common, connections: 1, duration: 1 });
  const rows = [];
  for (const connections of levels) rows.push(await load({ ...common, connections, duration }));
  return rows;
}

/** Locks LOCKED_EMAIL with wrong passwords; returns the status of the next (right) attempt. */
async function lockAccount(url, threshold = 5) {
  for (let i = 0; i < threshold; i++) {
    await call(`${url}${API}/login/`, { method: 'POST', json: { email: LOCKED_EMAIL, password: 'Wrong-Passw0rd!' } });
  }
  return (
    await call(`${url}${API}/login/`, { method: 'POST', json: { email: LOCKED_EMAIL, password: BENCH_PASSWORD } })
  ).status;
}

/**
 * Probes an endpoint that may not exist yet: 404 means "not implemented in this tree" and the
 * measurement is reported as n/a rather than failing the run.
 */
export async function probe(url, path, token) {
  const { status, data } = await call(url + path, { headers: { authorization: `Bearer ${token}` } });
  return { status, available: status === 200, detail: status === 200 ? null : JSON.stringify(data).slice(0, 200) };
}

export const HISTORY_PATH = `${API}/login-history/?limit=50`;
export const STATISTICS_PATH = `${API}/login-statistics/?days=30`;

export async function runHttp({ url, levels, duration, users, loginPerConnection, log }) {
  const results = { notes: [] };
  const refreshPool = [];
  log('login/ (right password, seeded users)');
  results.login = await measureLogin({ url, levels, users, perConnection: loginPerConnection, refreshPool });

  // Each refresh chain consumes one login's token; top the pool up if the logins fell short.
  const needed = levels.reduce((sum, level) => sum + level, 1) + 2;
  while (refreshPool.length < needed) refreshPool.push((await signIn(url)).refresh_token);

  const bench = await signIn(url);
  log('me/');
  results.me = await measureGet({ url, path: `${API}/me/`, token: bench.access_token, levels, duration });
  log('refresh/ (rotating chains)');
  results.refresh = await measureRefresh({ url, levels, duration, refreshPool });

  log('login/ on a locked account');
  const lockedStatus = await lockAccount(url);
  if (lockedStatus !== 423) results.notes.push(`locking ${LOCKED_EMAIL} did not give 423 but ${lockedStatus}`);
  const lockedCommon = {
    url,
    path: `${API}/login/`,
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: LOCKED_EMAIL, password: BENCH_PASSWORD }),
    expect: 423,
  };
  await load({ ...lockedCommon, connections: 1, duration: 1 });
  results.locked = [];
  for (const connections of levels) results.locked.push(await load({ ...lockedCommon, connections, duration }));

  for (const [key, path] of [
    ['history', HISTORY_PATH],
    ['statistics', STATISTICS_PATH],
  ]) {
    const found = await probe(url, path, bench.access_token);
    if (!found.available) {
      results[key] = null;
      results.notes.push(`GET ${path}: ${found.status} ${found.detail ?? ''} (reported as n/a)`);
      continue;
    }
    log(`GET ${path}`);
    results[key] = await measureGet({ url, path, token: bench.access_token, levels, duration });
  }
  return results;
}
