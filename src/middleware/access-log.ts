import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

/**
 * Writes `line` once the response has been handed back: a console.log costs the isolate real time
 * (locally, wrangler dev's log pipe: ~1 ms in-worker and ~4 ms of answer time on `me/`; see
 * bench/RESULTS.md), which the client need not wait for. Without an execution context (a bare
 * `app.request`) it is written at once.
 */
function writeAfterAnswer(c: Context<AppEnv>, line: string): void {
  let waitUntil: ((work: Promise<unknown>) => void) | undefined;
  try {
    waitUntil = c.executionCtx.waitUntil.bind(c.executionCtx);
  } catch {
    waitUntil = undefined;
  }
  if (!waitUntil) {
    console.log(line);
    return;
  }
  waitUntil(
    new Promise<void>((resolve) =>
      setTimeout(() => {
        console.log(line);
        resolve();
      }, 0),
    ),
  );
}

/**
 * One JSON line per request. It carries the path without its query and never a header or body
 * (tokens live there); for refusals, the problem code and the internal reason behind it. The line
 * is built when the answer is ready and written just after it has gone.
 */
export function accessLog(): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    const started = Date.now();
    await next();
    const problem = c.get('problem');
    writeAfterAnswer(
      c,
      JSON.stringify({
        level: c.res.status >= 500 ? 'error' : 'info',
        msg: 'request',
        request_id: c.get('requestId'),
        method: c.req.method,
        path: new URL(c.req.url).pathname,
        status: c.res.status,
        duration_ms: Date.now() - started,
        ip: c.get('client')?.ip,
        user_id: c.get('auth')?.user.id,
        code: problem?.code,
        reason: problem?.reason,
      }),
    );
  };
}
