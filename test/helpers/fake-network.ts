import { vi } from 'vitest';

/**
 * Third-party HTTP services (Google, GitHub, the email API) faked at the fetch boundary only: the
 * worker's own code (encoding, headers, timeouts, parsing) runs for real. `fetchMock` is gone from
 * `cloudflare:test` in @cloudflare/vitest-plugin, so this stubs the global `fetch` the worker
 * shares with the tests. Routes are "METHOD URL"; anything unplanned is refused.
 */

export interface SeenRequest {
  method: string;
  url: string;
  headers: Headers;
  body: string;
  form: URLSearchParams;
}

export type Answer =
  | { status: number; body?: unknown; text?: string }
  | { fail: 'network' }
  /** Never answers; rejects only when the caller's AbortSignal fires. */
  | { fail: 'hang' };
export type Handler = Answer | ((request: SeenRequest) => Answer);

export function fakeNetwork() {
  const routes = new Map<string, Handler>();
  const seen: SeenRequest[] = [];

  async function fakeFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    // Bytes, not .text(): workerd warns when form bodies are read as text.
    const body = new TextDecoder().decode(await request.arrayBuffer());
    const seenRequest: SeenRequest = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body,
      form: new URLSearchParams(body),
    };
    seen.push(seenRequest);
    const handler = routes.get(`${request.method} ${request.url}`);
    // Like undici's disableNetConnect(): nothing unplanned leaves the test.
    if (!handler) throw new TypeError(`network access refused in tests: ${request.method} ${request.url}`);
    const answer = typeof handler === 'function' ? handler(seenRequest) : handler;
    if ('fail' in answer) {
      if (answer.fail === 'network') throw new TypeError('fetch failed');
      const signal = init?.signal;
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    }
    if (answer.text !== undefined) return new Response(answer.text, { status: answer.status });
    return Response.json(answer.body ?? {}, { status: answer.status });
  }

  return {
    seen,
    on(method: 'GET' | 'POST', url: string, handler: Handler) {
      routes.set(`${method} ${url}`, handler);
    },
    install() {
      vi.stubGlobal('fetch', fakeFetch);
    },
    reset() {
      routes.clear();
      seen.length = 0;
      vi.unstubAllGlobals();
    },
  };
}
export type FakeNetwork = ReturnType<typeof fakeNetwork>;
