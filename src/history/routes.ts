import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../middleware/require-auth';
import { errors, json } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { loginHistoryOf, loginStatisticsOf } from './queries';
import { HistoryQuery, LoginAttempt, LoginStatistics, StatisticsQuery } from './schemas';

const bearer = [{ bearerAuth: [] }];

const history = createRoute({
  method: 'get',
  operationId: 'getLoginHistory',
  path: '/login-history',
  tags: ['History'],
  summary: "The user's sign-in attempts, newest first",
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { query: HistoryQuery },
  responses: { 200: json(LoginAttempt.array(), 'Attempts'), ...errors(['auth']) },
});

const statistics = createRoute({
  method: 'get',
  operationId: 'getLoginStatistics',
  path: '/login-statistics',
  tags: ['History'],
  summary: 'Counts of attempts over the last `days` days',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { query: StatisticsQuery },
  responses: { 200: json(LoginStatistics, 'Statistics'), ...errors(['auth']) },
});

export const historyRoutes = routes()
  .openapi(history, async (c) => {
    const { limit, success_only } = c.req.valid('query');
    return c.json(
      await loginHistoryOf(scopeOf(c).db, c.get('auth').user.id, { limit, successOnly: success_only }),
      200,
    );
  })
  .openapi(statistics, async (c) => {
    return c.json(await loginStatisticsOf(scopeOf(c).db, c.get('auth').user.id, c.req.valid('query').days), 200);
  });
