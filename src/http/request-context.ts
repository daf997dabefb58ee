import type { MiddlewareHandler } from 'hono';
import { assertServesLocalOnly, loadConfig } from '../config';
import type { AppEnv } from '../env';
import { readClientInfo } from '../lib/client-info';
import { errorResponse } from './error-response';

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Request id, configuration, client details, `Cache-Control: no-store` and one JSON log line.
 * The log line carries the path without its query and never a header or body: tokens live there.
 */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const started = Date.now();
    const sent = c.req.header('X-Request-Id');
    const requestId = sent && SANE_REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
    c.set('requestId', requestId);
    c.set('client', readClientInfo(c.req.raw));
    try {
      const config = loadConfig(c.env);
      assertServesLocalOnly(config, c.req.url);
      c.set('config', config);
      await next();
    } catch (error) {
      // Only our own failures before next() land here: Hono hands handler errors to onError.
      c.res = errorResponse(error, c);
    } finally {
      c.header('X-Request-Id', requestId);
      if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
      console.log(
        JSON.stringify({
          level: c.res.status >= 500 ? 'error' : 'info',
          msg: 'request',
          request_id: requestId,
          method: c.req.method,
          path: new URL(c.req.url).pathname,
          status: c.res.status,
          duration_ms: Date.now() - started,
          ip: c.get('client').ip,
          user_id: c.get('auth')?.user.id,
          code: c.get('problemCode'),
        }),
      );
    }
  };
}
