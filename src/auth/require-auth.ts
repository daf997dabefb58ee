import type { MiddlewareHandler } from 'hono';
import type { Session, User } from '../db/schema';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { scopeOf } from '../scope';
import { findLiveSession, touchSession } from '../sessions/sessions';
import { type AccessClaims, verifyAccessToken } from './access-token';

export interface AuthContext {
  user: User;
  session: Session;
  claims: AccessClaims;
}

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i;

/**
 * Requires a valid access token whose session is still live: a signature alone is not enough, so
 * logout, revocation and suspension take effect on the next request. Every failure is the same
 * 401 on the wire; the precise reason goes to the log only.
 */
export function requireAuth(): MiddlewareHandler<AppEnv> {
  return async function requireAuth(c, next) {
    const match = BEARER.exec(c.req.header('Authorization') ?? '');
    if (!match?.[1]) throw new ApiError('unauthorized', 'A Bearer access token is required');
    const scope = scopeOf(c);
    const check = await verifyAccessToken(scope.config, match[1]);
    let reason: string | undefined = check.ok ? undefined : check.reason;
    if (check.ok) {
      const live = await findLiveSession(scope, check.claims.sid, check.claims.sub);
      if (!live) reason = 'session_not_live';
      else if (!live.user.isActive || live.user.isSuspended) reason = 'account_unavailable';
      else {
        c.set('auth', { ...live, claims: check.claims });
        touchSession(scope, live.session);
        return next();
      }
    }
    console.log(JSON.stringify({ level: 'info', msg: 'access token refused', request_id: scope.requestId, reason }));
    throw new ApiError('unauthorized', 'The access token is invalid or expired');
  };
}
