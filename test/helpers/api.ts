import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../src/index';
import { assertKeepsContract } from './app-contract';

export const PASSWORD = 'Correct-Horse9!';
export const BASE = 'https://auth.test';

export interface CallOptions {
  body?: unknown;
  /** Sent as-is, with no JSON encoding (for malformed-body tests). */
  rawBody?: BodyInit;
  token?: string;
  headers?: Record<string, string>;
  cf?: Record<string, unknown>;
  /** Extra bindings for this call only (configuration under test). */
  env?: Record<string, unknown>;
  /**
   * The test reads the body as a stream, interleaved with other work (e.g. D1 writes while the
   * export is sent): the contract's body check then runs as the stream ends, instead of reading the
   * whole body before call() returns. A violation errors the stream, failing the test that reads it.
   */
  streamed?: boolean;
}

const envCache = new Map<string, Record<string, unknown>>();
function envWith(overrides?: Record<string, unknown>) {
  if (!overrides) return env;
  // Only plain settings are shared between calls; bindings (objects) make a fresh environment.
  if (Object.values(overrides).some((value) => typeof value === 'object' && value !== null))
    return { ...env, ...overrides };
  const key = JSON.stringify(overrides);
  let merged = envCache.get(key);
  if (!merged) {
    merged = { ...env, ...overrides };
    envCache.set(key, merged);
  }
  return merged;
}

/**
 * Sends one request through the real worker entry point, waiting for its deferred work. Every answer
 * is checked against the OpenAPI document (contract.ts): one it does not declare fails the test.
 */
export async function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  let body = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  }
  if (options.token) headers.set('Authorization', `Bearer ${options.token}`);
  if (!headers.has('CF-Connecting-IP')) headers.set('CF-Connecting-IP', '203.0.113.10');
  const request = new Request(`${BASE}${path}`, { method, headers, body, cf: options.cf } as RequestInit);
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, envWith(options.env) as never, ctx);
  if (options.streamed && response.body) return checkedAsRead(request, response, () => waitOnExecutionContext(ctx));
  await waitOnExecutionContext(ctx);
  await assertKeepsContract(request, response);
  return response;
}

/**
 * The response, its body passed through as the test reads it and checked once it has all been read
 * (after `settled`: the request's deferred work). A violation errors the body's stream.
 */
export function checkedAsRead(request: Request, response: Response, settled = async () => {}): Response {
  const chunks: Uint8Array[] = [];
  const check = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      chunks.push(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      await settled();
      await assertKeepsContract(request, new Response(new Blob(chunks), response));
    },
  });
  return new Response(response.body!.pipeThrough(check), response);
}

export const post = (path: string, body?: unknown, options: CallOptions = {}) =>
  call('POST', `/api/auth/${path}`, { ...options, body });
export const get = (path: string, options: CallOptions = {}) => call('GET', `/api/auth/${path}`, options);
export const del = (path: string, options: CallOptions = {}) => call('DELETE', `/api/auth/${path}`, options);

export async function json<T = Record<string, any>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Asserts the RFC 9457 shape and returns the body. */
export async function problem(response: Response, status: number, code: string) {
  const body = await json(response);
  if (response.status !== status || body.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${response.status} ${JSON.stringify(body)}`);
  }
  if (!response.headers.get('Content-Type')?.startsWith('application/problem+json')) {
    throw new Error(`problem without problem+json content type: ${response.headers.get('Content-Type')}`);
  }
  for (const member of ['type', 'title', 'status', 'detail', 'code']) {
    if (!(member in body)) throw new Error(`problem body lacks "${member}": ${JSON.stringify(body)}`);
  }
  return body;
}
