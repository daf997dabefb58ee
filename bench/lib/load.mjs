// One load measurement with autocannon on loopback. Latencies are taken from autocannon's
// per-response event (float milliseconds) rather than its histogram, which truncates to whole
// milliseconds: too coarse for sub-millisecond answers.
import autocannon from 'autocannon';
import { median, percentile } from './stats.mjs';

/** A browser user agent, so that the service parses one as it would in production. */
export const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
/** A fixed documentation-range client IP (the service reads CF-Connecting-IP only). */
export const CLIENT_IP = '198.51.100.7';

/**
 * Runs `connections` concurrent keep-alive connections for `duration` seconds (or until `amount`
 * requests) and summarises the responses whose status is `expect`: req/s, p50, p99, mean (ms).
 * `setupRequest(request, context)` / `onResponse(status, body, context)` are autocannon's hooks.
 */
export function load({
  url,
  path,
  method = 'GET',
  headers = {},
  body,
  connections,
  duration,
  amount,
  expect = 200,
  setupRequest,
  onResponse,
  timeout = 60,
}) {
  const request = {
    method,
    path,
    headers: { 'user-agent': USER_AGENT, 'cf-connecting-ip': CLIENT_IP, ...headers },
    body,
    ...(setupRequest ? { setupRequest } : {}),
    ...(onResponse ? { onResponse } : {}),
  };
  const options = { url, connections, timeout, requests: [request], ...(amount ? { amount } : { duration }) };
  const latencies = [];
  const statuses = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => {
      if (error) return reject(error);
      const good = latencies.length;
      const total = Object.values(statuses).reduce((sum, count) => sum + count, 0);
      resolve({
        connections,
        expect,
        seconds: result.duration,
        requests: total,
        ok: good,
        unexpected: total - good,
        statuses,
        errors: result.errors,
        timeouts: result.timeouts,
        rps: good / result.duration,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        median: median(latencies),
        mean: latencies.reduce((sum, value) => sum + value, 0) / (latencies.length || 1),
      });
    });
    instance.on('response', (_client, status, _bytes, responseTime) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === expect) latencies.push(responseTime);
    });
  });
}

/** One plain request, for probes and set-up steps. */
export async function call(url, { method = 'GET', headers = {}, json } = {}) {
  const response = await fetch(url, {
    method,
    headers: {
      'user-agent': USER_AGENT,
      'cf-connecting-ip': CLIENT_IP,
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: json ? JSON.stringify(json) : undefined,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  return { status: response.status, data };
}
