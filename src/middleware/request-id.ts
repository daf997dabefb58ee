import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The client's own request id when it sent a sane one, else a new one; echoed on every answer. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async function requestId(c, next) {
    const sent = c.req.header('X-Request-Id');
    const id = sent && SANE_REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
    c.set('requestId', id);
    await next();
    c.header('X-Request-Id', id);
  };
}
