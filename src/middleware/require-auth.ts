import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import type { Context, MiddlewareHandler } from 'hono';
import type { Database } from '../db/client';
import { findLiveSession, livenessAt, liveSessionFrom, liveSessionQueries, touchSession } from '../db/live-session';
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

/** The one definition of a session that may act: live, and its user neither disabled nor suspended. */
function admit(c: Context<AppEnv>, live: { session: Session; user: User } | null | undefined, claims: AccessClaims) {
  if (!live) throw failure('session_not_live');
  if (!live.user.isActive || live.user.isSuspended) throw failure('account_unavailable');
  c.set('auth', { ...live, claims });
  touchSession(scopeOf(c), live.session);
}

/**
 * Requires a valid access token whose session is still live: a signature alone is not enough, so
 * logout, revocation and suspension take effect on the next request. Every failure is the same
 * 401 on the wire; the precise reason goes to the log line.
 *
 * `session: 'with-read'` is for reads whose every query needs only the caller's id: the token is
 * checked here, and the handler sends the session check in the same D1 batch as its own queries
 * through `readWithLiveSession` (one round trip instead of two). Nothing else may run before it.
 */
export function requireAuth(options: { session?: 'before-handler' | 'with-read' } = {}): MiddlewareHandler<AppEnv> {
  return async function requireAuth(c, next) {
    const match = BEARER.exec(c.req.header('Authorization') ?? '');
    if (!match?.[1]) throw failure('missing_bearer');
    const scope = scopeOf(c);
    const check = await verifyAccessToken(scope.config, match[1]);
    if (!check.ok) throw failure(check.reason);
    if (options.session === 'with-read') {
      c.set('claims', check.claims);
    } else {
      admit(
        c,
        await findLiveSession(scope.db, check.claims.sid, check.claims.sub, livenessAt(scope.config)),
        check.claims,
      );
    }
    await next();
  };
}

/**
 * For a route behind `requireAuth({ session: 'with-read' })`: runs the session check and `read`'s
 * queries (for the token's user) in one batch, and returns their rows only once the session is
 * found live (else the usual 401); `c.get('auth')` is set as by `requireAuth()`.
 */
export async function readWithLiveSession<T extends readonly [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]>(
  c: Context<AppEnv>,
  read: (db: Database, userId: string) => T,
): Promise<BatchResponse<T>> {
  const claims = c.get('claims');
  if (!claims) throw new Error('readWithLiveSession needs requireAuth({ session: "with-read" }) on the route');
  const { db, config } = scopeOf(c);
  const [session, user, ...rows] = await db.batch([
    ...liveSessionQueries(db, claims.sid, claims.sub, livenessAt(config)),
    ...read(db, claims.sub),
  ]);
  admit(c, liveSessionFrom(session, user), claims);
  return rows as unknown as BatchResponse<T>;
}

/** Lets a GET route's reads start on a D1 replica (src/db/client.ts); place it before requireAuth. */
export function readsFromReplica(): MiddlewareHandler<AppEnv> {
  return async function readsFromReplica(c, next) {
    c.set('replicaReads', true);
    await next();
  };
}
