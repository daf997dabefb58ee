import { Hono } from 'hono';
import { z } from 'zod';
import { requireAuth } from '../auth/require-auth';
import type { AppEnv } from '../env';
import { validate } from '../http/validate';
import { scopeOf } from '../scope';
import { loginHistoryOf, loginStatisticsOf } from './queries';

const boolean = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  success_only: boolean.default(false),
});
const statisticsQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(30) });

export const historyRoutes = new Hono<AppEnv>()
  .get('/login-history', requireAuth(), validate('query', historyQuery), async (c) => {
    const { limit, success_only } = c.req.valid('query');
    return c.json(await loginHistoryOf(scopeOf(c).db, c.get('auth').user.id, { limit, successOnly: success_only }));
  })
  .get('/login-statistics', requireAuth(), validate('query', statisticsQuery), async (c) => {
    return c.json(await loginStatisticsOf(scopeOf(c).db, c.get('auth').user.id, c.req.valid('query').days));
  });
