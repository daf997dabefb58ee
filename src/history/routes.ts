import { createRoute } from '@hono/zod-openapi';
import { readsFromReplica, readWithLiveSession, requireAuth } from '../middleware/require-auth';
import { errors, json } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { historyQuery, historyView, statisticsFrom, statisticsQueries, statisticsSince } from './queries';
import { HistoryQuery, LoginAttempt, LoginStatistics, StatisticsQuery } from './schemas';

const bearer = [{ bearerAuth: [] }];

const history = createRoute({
  method: 'get',
  operationId: 'getLoginHistory',
  path: '/login-history',
  tags: ['History'],
  summary: "The user's sign-in attempts, newest first",
  security: bearer,
  middleware: [readsFromReplica(), requireAuth({ session: 'with-read' })] as const,
  request: { query: HistoryQuery },
  responses: { 200: json(LoginAttempt.array(), 'Attempts'), ...errors(['auth']) },
});

const statistics = createRoute({
  method: 'get',
  operationId: 'getLoginStatistics',
  path: '/login-statistics',
  tags: ['History'],
  summary: 'Counts of attempts over the last `days` days',
  description:
    'Counted in whole UTC days, from the UTC midnight that opens the day `days` × 24 h ago until now (the daily roll-ups).',
  security: bearer,
  middleware: [readsFromReplica(), requireAuth({ session: 'with-read' })] as const,
  request: { query: StatisticsQuery },
  responses: { 200: json(LoginStatistics, 'Statistics'), ...errors(['auth']) },
});

// Both reads go out with the session check in one D1 batch, and may start on a replica.
export const historyRoutes = routes()
  .openapi(history, async (c) => {
    const { limit, success_only } = c.req.valid('query');
    const [rows] = await readWithLiveSession(c, (db, userId) => [
      historyQuery(db, userId, { limit, successOnly: success_only }),
    ]);
    return c.json(rows.map(historyView), 200);
  })
  .openapi(statistics, async (c) => {
    const { days } = c.req.valid('query');
    const rows = await readWithLiveSession(c, (db, userId) => statisticsQueries(db, userId, statisticsSince(days)));
    return c.json(statisticsFrom(rows, days), 200);
  });
