import type { MiddlewareHandler } from 'hono';
import { findLiveSession, livenessAt, touchSession } from '../db/live-session';
import type { Session, User } from '../db/schema';
import type { AppEnv } from '../env';
import { failure } from '../failures';
import { scopeOf } from '../scope';
import { type AccessClaims, verifyAccessToken } from '../tokens/access-token';

export interface AuthContext {
  user: User;
  session: Session;
  claims: AccessClaims;
}

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i;

/**
 * Requires a valid access token whose session is still live: a signature alone is not enough, so
 * logout, revocation and suspension take effect on the next request. Every failure is the same
 * 401 on the wire; the precise reason goes to the log line.
 */
export function requireAuth(): MiddlewareHandler<AppEnv> {
  return async function requireAuth(c, next) {
    const match = BEARER.exec(c.req.header('Authorization') ?? '');
    if (!match?.[1]) throw failure('missing_bearer');
    const scope = scopeOf(c);
    const check = await verifyAccessToken(scope.config, match[1]);
    if (!check.ok) throw failure(check.reason);
    const live = await findLiveSession(scope.db, check.claims.sid, check.claims.sub, livenessAt(scope.config));
    if (!live) throw failure('session_not_live');
    if (!live.user.isActive || live.user.isSuspended) throw failure('account_unavailable');
    c.set('auth', { ...live, claims: check.claims });
    touchSession(scope, live.session);
    await next();
  };
}
