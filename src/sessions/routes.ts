import { createRoute } from '@hono/zod-openapi';
import { audit } from '../audit/log';
import { ApiError, validationError } from '../errors';
import { failure } from '../failures';
import { byClientIp, rateLimit } from '../middleware/rate-limit';
import { requireAuth } from '../middleware/require-auth';
import { errors, json, MessageBody, problem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { clearRefreshCookie, cookieSettingsOf, refreshTokenSource } from './cookie';
import { refreshSession } from './refresh';
import {
  EmptyBody,
  RefreshCookies,
  RefreshRequest,
  RefreshResponse,
  refreshCookieHeader,
  SessionIdParam,
  SessionsRevoked,
  SessionView,
} from './schemas';
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
    'Each refresh token is rotated once. Presented again within REFRESH_REUSE_GRACE seconds of its rotation (several tabs refreshing at once), while its child is still the live token, it answers with that same child; any other earlier token of the session revokes the whole session (reuse of a stolen token). With REFRESH_COOKIE=true, a body without `refresh_token` refreshes with the cookie, from an allowed Origin only; from the service’s own Origin (the account console) it does so in any configuration.',
  middleware: [rateLimit('refreshPerIp', byClientIp)] as const,
  request: {
    body: { content: { 'application/json': { schema: RefreshRequest } }, required: false },
    cookies: RefreshCookies,
  },
  responses: {
    200: { ...json(RefreshResponse, 'New tokens'), headers: refreshCookieHeader },
    ...errors(['body', 'rateLimited'], { 403: problem('`forbidden`: a refresh by cookie without an allowed Origin') }),
    401: {
      ...problem(
        '`invalid_refresh_token`: missing, unknown, expired, idle, revoked or reused (which revokes the session); a refused cookie is cleared',
      ),
      headers: refreshCookieHeader,
    },
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
  responses: {
    200: {
      ...json(MessageBody, 'Signed out (the refresh cookie cleared, in cookie mode)'),
      headers: refreshCookieHeader,
    },
    ...errors(['auth', 'body']),
  },
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
    200: { ...json(MessageBody, 'Revoked (the current one clears the refresh cookie)'), headers: refreshCookieHeader },
    ...errors(['auth', 'body'], { 404: problem('Not one of your live sessions') }),
  },
});

export const sessionRoutes = routes()
  .openapi(refresh, async (c) => {
    const scope = scopeOf(c);
    const source = refreshTokenSource(c, c.req.valid('json').refresh_token);
    if (!source.ok) {
      // Without cookie mode (another origin, REFRESH_COOKIE off) the body's token is simply required, as it always was.
      if (!cookieSettingsOf(c)) throw validationError([{ field: 'refresh_token', message: 'Required' }]);
      throw failure(source.reason);
    }
    const result = await refreshSession(scope, source.token);
    if (!result.ok) {
      if (source.fromCookie) clearRefreshCookie(scope);
      throw failure(result.reason);
    }
    // A cookie refresh keeps the new token in the HttpOnly cookie only: script never sees it.
    const { refresh_token, ...withoutToken } = result.body;
    return c.json(source.fromCookie ? withoutToken : result.body, 200);
  })
  .openapi(logout, async (c) => {
    const scope = scopeOf(c);
    const { user, session } = c.get('auth');
    await revokeSession(scope, session.id, 'logout');
    clearRefreshCookie(scope);
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
    const { user, session } = c.get('auth');
    const { id } = c.req.valid('param');
    // Another user's session, an unknown id and a revoked one look the same: 404.
    if (!(await revokeOwnSession(scope, user.id, id))) throw new ApiError('not_found', { detail: 'No such session' });
    if (id === session.id) clearRefreshCookie(scope);
    audit(scope, 'session.revoked', { userId: user.id, details: { session_id: id } });
    return c.json({ message: 'Session revoked successfully' }, 200);
  });
