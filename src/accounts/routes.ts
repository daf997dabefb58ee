import { createRoute } from '@hono/zod-openapi';
import { readsFromReplica, requireAuth } from '../middleware/require-auth';
import { errors, json } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { PublicUser } from './schemas';
import { toPublicUser } from './users';

const me = createRoute({
  method: 'get',
  operationId: 'getMe',
  path: '/me',
  tags: ['Account'],
  summary: 'The signed-in user',
  security: [{ bearerAuth: [] }],
  // A replica may answer: see README, "Reads and D1 replicas".
  middleware: [readsFromReplica(), requireAuth()] as const,
  responses: { 200: json(PublicUser, 'The user object'), ...errors(['auth']) },
});

export const accountRoutes = routes().openapi(me, (c) => c.json(toPublicUser(c.get('auth').user), 200));
