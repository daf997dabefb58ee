import { Hono } from 'hono';
import { publicJwks } from './auth/access-token';
import type { AppEnv } from './env';
import { describeError } from './lib/describe-error';

export const healthRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const version = c.get('config').version;
  try {
    await c.env.DB.prepare('SELECT 1').first();
    return c.json({ status: 'healthy', service: 'auth-service', version });
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', msg: 'health check: D1 unreachable', error: describeError(error) }));
    return c.json({ status: 'unhealthy', service: 'auth-service', version }, 503);
  }
});

export const jwksRoutes = new Hono<AppEnv>().get('/', async (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(await publicJwks(c.get('config')));
});
