// @ts-check
import { pageSignal } from './navigation.js';
import * as session from './session.js';

/**
 * @typedef {{ code: string, detail?: string, status?: number, errors?: { field: string, message: string }[],
 *   locked_until?: string, mfa_token?: string, retryAfter?: string | null, [key: string]: unknown }} Problem
 * @typedef {{ ok: true, status: number, data: any } | { ok: false, status: number, problem: Problem }} Result
 */

/**
 * Calls the public API of this origin, as any single-page app would. Answers come back as data,
 * failures included (`problem` is the problem+json body). With `auth`, the access token goes along,
 * and a 401 gets one refresh and one retry; a second 401 means the session is over.
 * @param {string} method
 * @param {string} path relative to /api/auth/
 * @param {{ body?: unknown, auth?: boolean }} [options]
 * @returns {Promise<Result>}
 */
export async function api(method, path, { body, auth = true } = {}) {
  const result = await call(method, path, body, auth, pageSignal(), 'json');
  // An answer for a page that was left meanwhile has nowhere to go: it never settles, so the old
  // page's code stops here instead of writing into the page now shown.
  return result ?? new Promise(() => {});
}

/**
 * A signed-in GET whose answer is a file (the data export): `data` is `{ blob, filename }`, the
 * name taken from the answer's Content-Disposition.
 * @param {string} path relative to /api/auth/ @param {string} fallbackName
 * @returns {Promise<Result>}
 */
export async function download(path, fallbackName) {
  const result = await call('GET', path, undefined, true, pageSignal(), fallbackName);
  return result ?? new Promise(() => {});
}

/**
 * @param {string} method @param {string} path @param {unknown} body @param {boolean} auth
 * @param {AbortSignal} signal aborted when the page is left
 * @param {string} read 'json', or the file name to use when a successful answer names none
 * @returns {Promise<Result | null>} null when the page was left
 */
async function call(method, path, body, auth, signal, read) {
  const send = () => {
    /** @type {Record<string, string>} */
    const headers = { 'Accept-Language': document.documentElement.lang || 'en' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const token = auth ? session.accessToken() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(`/api/auth/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  };
  let response;
  try {
    response = await send();
    if (auth && response.status === 401 && (await session.refresh())) response = await send();
  } catch {
    return signal.aborted ? null : { ok: false, status: 0, problem: { code: 'network_error' } };
  }
  if (response.ok && read !== 'json') {
    const blob = await response.blob().catch(() => null);
    if (signal.aborted) return null;
    if (!blob) return { ok: false, status: 0, problem: { code: 'network_error' } };
    const named = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1];
    return { ok: true, status: response.status, data: { blob, filename: named ?? read } };
  }
  const text = await response.text().catch(() => '');
  if (signal.aborted) return null;
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) return { ok: true, status: response.status, data };
  if (auth && response.status === 401) {
    session.forget();
    dispatchEvent(new CustomEvent('console:session-ended'));
  }
  const problem = {
    ...(data && typeof data === 'object' ? data : {}),
    code: typeof data?.code === 'string' ? data.code : `http_${response.status}`,
    retryAfter: response.headers.get('Retry-After'),
  };
  return { ok: false, status: response.status, problem };
}
