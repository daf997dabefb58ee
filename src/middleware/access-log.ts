import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

/**
 * One JSON line per request. It carries the path without its query and never a header or body
 * (tokens live there); for refusals, the problem code and the internal reason behind it.
 */
export function accessLog(): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    const started = Date.now();
    await next();
    const problem = c.get('problem');
    console.log(
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
