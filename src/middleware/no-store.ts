import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

/** Answers carry tokens and personal data: nothing is cached unless a route says otherwise. */
export function noStore(): MiddlewareHandler<AppEnv> {
  return async function noStore(c, next) {
    await next();
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  };
}
