import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { readClientInfo } from '../lib/client-info';

/** Who is calling (address, geolocation, parsed user agent), read once per request. */
export function clientInfo(): MiddlewareHandler<AppEnv> {
  return async function clientInfo(c, next) {
    c.set('client', readClientInfo(c.req.raw));
    await next();
  };
}
