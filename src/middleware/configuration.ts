import type { MiddlewareHandler } from 'hono';
import { assertServesLocalOnly, loadConfig } from '../config';
import type { AppEnv } from '../env';

/** The parsed configuration for the request; a bad one fails here (503), before any route runs. */
export function configuration(): MiddlewareHandler<AppEnv> {
  return async function configuration(c, next) {
    const config = loadConfig(c.env);
    assertServesLocalOnly(config, c.req.url);
    c.set('config', config);
    await next();
  };
}
