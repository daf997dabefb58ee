import { vi } from 'vitest';

export type FakeHandler = (request: Request) => Response | Promise<Response>;

export interface RecordedCall {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

/**
 * Fakes third-party HTTP services at the fetch boundary: `routes` maps "METHOD https://host/path"
 * to a handler. Any other outbound request fails like a closed network, so nothing leaves the test.
 */
export function fakeFetch(routes: Record<string, FakeHandler>) {
  const calls: RecordedCall[] = [];
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    const url = new URL(request.url);
    const key = `${request.method} ${url.origin}${url.pathname}`;
    const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.clone().text();
    calls.push({ method: request.method, url: request.url, headers: request.headers, body });
    const handler = routes[key];
    if (!handler) throw new TypeError(`network access is disabled in tests (${key})`);
    return handler(request);
  });
  return { calls, restore: () => spy.mockRestore() };
}
