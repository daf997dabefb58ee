import { createRoute } from '@hono/zod-openapi';
import { audit } from '../audit/log';
import { ApiError } from '../errors';
import { failure } from '../failures';
import { byClientIp, rateLimit } from '../middleware/rate-limit';
import { requireAuth } from '../middleware/require-auth';
import { errors, json, MessageBody, problem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { refreshSession } from './refresh';
import { EmptyBody, RefreshRequest, RefreshResponse, SessionIdParam, SessionsRevoked, SessionView } from './schemas';
import { listLiveSessions, revokeOwnSession, revokeSession, revokeUserSessions, toSessionView } from './store';

const bearer = [{ bearerAuth: [] }];
const emptyJson = { content: { 'application/json': { schema: EmptyBody } }, required: false };

const refresh = createRoute({
  method: 'post',
  operationId: 'refresh',
  path: '/refresh',
  tags: ['Sessions'],
  summary: 'Rotate the refresh token and get a new access token',
  description:
    'Each refresh token works once: presenting an already rotated one revokes the whole session (reuse of a stolen token).',
  middleware: [rateLimit('refreshPerIp', byClientIp)] as const,
  request: { body: { content: { 'application/json': { schema: RefreshRequest } }, required: true } },
  responses: {
    200: json(RefreshResponse, 'New tokens'),
    ...errors(['body', 'rateLimited'], {
      401: problem('`invalid_refresh_token`: unknown, expired, revoked or reused (which revokes the session)'),
    }),
  },
});

const logout = createRoute({
  method: 'post',
  operationId: 'logout',
  path: '/logout',
  tags: ['Sessions'],
  summary: 'Revoke the current session',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { body: emptyJson },
  responses: { 200: json(MessageBody, 'Signed out'), ...errors(['auth', 'body']) },
});

const list = createRoute({
  method: 'get',
  operationId: 'listSessions',
  path: '/sessions',
  tags: ['Sessions'],
  summary: 'Live sessions of the user, most recently used first',
  security: bearer,
  middleware: [requireAuth()] as const,
  responses: { 200: json(SessionView.array(), 'Never a token'), ...errors(['auth']) },
});

const revokeOthers = createRoute({
  method: 'delete',
  operationId: 'revokeOtherSessions',
  path: '/sessions',
  tags: ['Sessions'],
  summary: 'Revoke every session but the current one',
  security: bearer,
  middleware: [requireAuth()] as const,
  responses: { 200: json(SessionsRevoked, 'Revoked'), ...errors(['auth', 'body']) },
});

const revokeOne = createRoute({
  method: 'delete',
  operationId: 'revokeSession',
  path: '/sessions/{id}',
  tags: ['Sessions'],
  summary: 'Revoke one of your sessions',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { params: SessionIdParam },
  responses: {
    200: json(MessageBody, 'Revoked'),
    ...errors(['auth', 'body'], { 404: problem('Not one of your live sessions') }),
  },
});

export const sessionRoutes = routes()
  .openapi(refresh, async (c) => {
    const result = await refreshSession(scopeOf(c), c.req.valid('json').refresh_token);
    if (!result.ok) throw failure(result.reason);
    return c.json(result.body, 200);
  })
  .openapi(logout, async (c) => {
    const scope = scopeOf(c);
    const { user, session } = c.get('auth');
    await revokeSession(scope, session.id, 'logout');
    audit(scope, 'logout', { userId: user.id, details: { session_id: session.id } });
    return c.json({ message: 'Logout successful' }, 200);
  })
  .openapi(list, async (c) => {
    const { user, session } = c.get('auth');
    const sessions = await listLiveSessions(scopeOf(c), user.id);
    return c.json(
      sessions.map((row) => toSessionView(row, session.id)),
      200,
    );
  })
  .openapi(revokeOthers, async (c) => {
    const scope = scopeOf(c);
    const { user, session } = c.get('auth');
    const revoked = await revokeUserSessions(scope, user.id, 'revoked_by_user', session.id);
    audit(scope, 'session.revoked', { userId: user.id, details: { scope: 'all_others', count: revoked } });
    return c.json({ message: `${revoked} sessions revoked successfully`, revoked }, 200);
  })
  .openapi(revokeOne, async (c) => {
    const scope = scopeOf(c);
    const { user } = c.get('auth');
    const { id } = c.req.valid('param');
    // Another user's session, an unknown id and a revoked one look the same: 404.
    if (!(await revokeOwnSession(scope, user.id, id))) throw new ApiError('not_found', { detail: 'No such session' });
    audit(scope, 'session.revoked', { userId: user.id, details: { session_id: id } });
    return c.json({ message: 'Session revoked successfully' }, 200);
  });
