// Timed single requests and the interleaved sampler of the side-by-side bench: every round runs
// one request of each series, in a fresh random order, so that whatever else the machine does at
// that moment falls on all series alike.
import { CLIENT_IP, USER_AGENT } from './load.mjs';

/** One request, timed from send to the last byte of the body (Node's fetch: keep-alive). */
export async function timed(url, { method = 'GET', headers = {}, json, timeoutMs = 60_000 } = {}) {
  const start = performance.now();
  const response = await fetch(url, {
    method,
    headers: {
      'user-agent': USER_AGENT,
      'cf-connecting-ip': CLIENT_IP,
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: json ? JSON.stringify(json) : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { ms: performance.now() - start, status: response.status, text, headers: response.headers };
}

export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A small seeded PRNG (mulberry32): the same orders on every run. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(items, next) {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/**
 * Runs `rounds` rounds over `series` ([{ key, run(round) → { ms, ok, status, inWorkerMs? } }]),
 * each round in a new random order, pausing `settleMs` after each request so that one request's
 * trailing work (deferred writes) does not land on the next one's measurement. Failed requests
 * (ok false) are counted, not timed.
 */
export async function interleave({ series, rounds, settleMs = 0, seed = 19 }) {
  const next = random(seed);
  // byRound keeps each round's figure (null when it failed), to pair series round by round.
  const results = Object.fromEntries(
    series.map(({ key }) => [key, { times: [], inWorker: [], byRound: [], inWorkerByRound: [], failures: {} }]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const { key, run } of shuffled(series, next)) {
      const outcome = await run(round);
      const entry = results[key];
      entry.byRound.push(outcome.ok ? outcome.ms : null);
      entry.inWorkerByRound.push(outcome.ok && Number.isFinite(outcome.inWorkerMs) ? outcome.inWorkerMs : null);
      if (outcome.ok) {
        entry.times.push(outcome.ms);
        if (Number.isFinite(outcome.inWorkerMs)) entry.inWorker.push(outcome.inWorkerMs);
      } else {
        entry.failures[outcome.status] = (entry.failures[outcome.status] ?? 0) + 1;
      }
      if (settleMs) await new Promise((resolve) => setTimeout(resolve, settleMs));
    }
  }
  return results;
}
