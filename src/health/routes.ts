import { createRoute, z } from '@hono/zod-openapi';
import { PROBLEM_MEDIA_TYPE } from '../errors';
import { describeError } from '../lib/describe-error';
import { errors, json, Problem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';

const Health = z
  .object({
    status: z.enum(['healthy', 'unhealthy']),
    service: z.literal('auth-service'),
    version: z.string(),
  })
  .openapi('Health', { example: { status: 'healthy', service: 'auth-service', version: '1.0.0' } });

const health = createRoute({
  method: 'get',
  operationId: 'getHealth',
  path: '/',
  tags: ['Service'],
  summary: 'Liveness and D1 reachability',
  responses: {
    ...errors([]),
    200: json(Health, 'Healthy'),
    503: {
      description: 'D1 is unreachable (`status: "unhealthy"`), or the configuration is invalid (a problem)',
      content: { 'application/json': { schema: Health }, [PROBLEM_MEDIA_TYPE]: { schema: Problem } },
    },
  },
});

export const healthRoutes = routes().openapi(health, async (c) => {
  const version = c.get('config').version;
  try {
    await c.env.DB.prepare('SELECT 1').first();
    return c.json({ status: 'healthy' as const, service: 'auth-service' as const, version }, 200);
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', msg: 'health check: D1 unreachable', error: describeError(error) }));
    return c.json({ status: 'unhealthy' as const, service: 'auth-service' as const, version }, 503);
  }
});
