import { Hono } from 'hono';
import { z } from 'zod';
import { audit } from '../audit/log';
import { requireAuth } from '../auth/require-auth';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { validate } from '../http/validate';
import { scopeOf } from '../scope';
import { listLiveSessions, revokeOwnSession, revokeUserSessions, toSessionView } from './sessions';

const sessionParam = z.object({ id: z.string() });

export const sessionRoutes = new Hono<AppEnv>()
  .use(requireAuth())
  .get('/', async (c) => {
    const { user, session } = c.get('auth');
    const sessions = await listLiveSessions(scopeOf(c), user.id);
    return c.json(sessions.map((row) => toSessionView(row, session.id)));
  })
  .delete('/', async (c) => {
    const scope = scopeOf(c);
    const { user, session } = c.get('auth');
    const revoked = await revokeUserSessions(scope, user.id, 'revoked_by_user', session.id);
    audit(scope, 'session.revoked', { userId: user.id, details: { scope: 'all_others', count: revoked } });
    return c.json({ message: `${revoked} sessions revoked successfully`, revoked });
  })
  .delete('/:id', validate('param', sessionParam), async (c) => {
    const scope = scopeOf(c);
    const { user } = c.get('auth');
    const { id } = c.req.valid('param');
    // Another user's session, an unknown id and a revoked one look the same: 404.
    if (!(await revokeOwnSession(scope, user.id, id))) throw new ApiError('not_found', 'No such session');
    audit(scope, 'session.revoked', { userId: user.id, details: { session_id: id } });
    return c.json({ message: 'Session revoked successfully' });
  });
