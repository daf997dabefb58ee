import { and, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { livenessAt, liveSessionsOf } from '../db/live-session';
import { type AuthMethod, type Session, sessions, type User, users } from '../db/schema';
import { locationOf } from '../lib/client-info';
import type { Scope } from '../scope';
import { encodeRefreshToken, newRefreshSecret, secretHash } from './refresh-token';

export type RevokeReason =
  | 'logout'
  | 'revoked_by_user'
  | 'revoked_by_admin'
  | 'suspended'
  | 'refresh_reuse'
  | 'password_changed'
  | 'password_reset'
  | 'mfa_enabled'
  | 'provider_link_revoked'
  | 'account_deletion';

export interface SessionOptions {
  rememberMe: boolean;
  amr: AuthMethod[];
}

/**
 * Opens a session for a successful sign-in; returns it with its first refresh token (generation 0,
 * a random secret; only its hash is stored).
 * `user` is the row the credentials were checked against: its security stamp goes into the session,
 * so a reset that lands between that check and this insert still ends the session.
 * Beyond MAX_SESSIONS_PER_USER live sessions, the least recently used are deleted in the same
 * transaction, so no client can grow the table without bound through one account.
 */
export async function openSession(
  scope: Scope,
  user: User,
  options: SessionOptions,
): Promise<{ session: Session; refreshToken: string }> {
  const now = new Date();
  const ttl = options.rememberMe ? scope.config.rememberMeTtl : scope.config.sessionTtl;
  const sessionId = crypto.randomUUID();
  const secret = newRefreshSecret();
  const [key] = scope.config.refreshTokens.keys;
  if (!key) throw new Error('REFRESH_TOKEN_SECRET is required');
  const refreshToken = encodeRefreshToken(key, sessionId, 0, secret);
  const { client } = scope;
  const [[session]] = await scope.db.batch([
    scope.db
      .insert(sessions)
      .values({
        id: sessionId,
        userId: user.id,
        refreshTokenHash: secretHash(secret),
        refreshGeneration: 0,
        rememberMe: options.rememberMe,
        amr: options.amr,
        securityStamp: user.securityStamp,
        authenticatedAt: now,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: new Date(now.getTime() + ttl * 1000),
        ipAddress: client.ip,
        userAgent: client.userAgent,
        device: client.device,
        browser: client.browser,
        os: client.os,
        country: client.country,
        city: client.city,
        region: client.region,
        latitude: client.latitude,
        longitude: client.longitude,
        timezone: client.timezone,
      })
      .returning(),
    scope.db.delete(sessions).where(
      inArray(
        sessions.id,
        // Every live session after the newest N (LIMIT -1 is SQLite's "no limit").
        sql`(select ${sessions.id} from ${sessions} where ${liveSessionsOf(user.id, livenessAt(scope.config, now))}
            order by ${sessions.lastUsedAt} desc, ${sessions.createdAt} desc
            limit -1 offset ${scope.config.maxSessionsPerUser})`,
      ),
    ),
  ]);
  if (!session) throw new Error('insert returned no session');
  return { session, refreshToken };
}

/**
 * Ends every session whose sign-in predates now, except `keepSessionId` (the caller's own, which
 * just proved a credential). The stamp comparison also stops sign-ins still in flight.
 */
export async function bumpSecurityStamp(scope: Scope, userId: string, keepSessionId?: string): Promise<void> {
  const now = new Date();
  const bump = scope.db
    .update(users)
    .set({ securityStamp: sql`${users.securityStamp} + 1`, updatedAt: now })
    .where(eq(users.id, userId));
  if (!keepSessionId) {
    await bump;
    return;
  }
  await scope.db.batch([
    bump,
    scope.db
      .update(sessions)
      .set({
        securityStamp: sql`(select ${users.securityStamp} from ${users} where ${users.id} = ${userId})`,
        authenticatedAt: now,
      })
      .where(and(eq(sessions.id, keepSessionId), eq(sessions.userId, userId))),
  ]);
}

/** Live sessions of a user, most recently used first. */
export async function listLiveSessions(scope: Scope, userId: string): Promise<Session[]> {
  return scope.db
    .select()
    .from(sessions)
    .where(liveSessionsOf(userId, livenessAt(scope.config)))
    .orderBy(desc(sessions.lastUsedAt))
    .limit(100);
}

/** The seed's session object; never a token or token hash. */
export function toSessionView(session: Session, currentSessionId: string) {
  return {
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    ip_address: session.ipAddress,
    device: session.device,
    browser: session.browser,
    os: session.os,
    location: locationOf(session.city, session.country),
    current: session.id === currentSessionId,
  };
}

/** Revokes one of the user's own live sessions; false for anything else (unknown, foreign, revoked). */
export async function revokeOwnSession(scope: Scope, userId: string, sessionId: string): Promise<boolean> {
  const revoked = await scope.db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: 'revoked_by_user' })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.length > 0;
}

export async function revokeSession(scope: Scope, sessionId: string, reason: RevokeReason): Promise<boolean> {
  const revoked = await scope.db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.length > 0;
}

/** Revokes every live session of a user, except `keepSessionId` when given; returns the count. */
export async function revokeUserSessions(
  scope: Scope,
  userId: string,
  reason: RevokeReason,
  keepSessionId?: string,
): Promise<number> {
  const now = new Date();
  const revoked = await scope.db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(
      and(
        liveSessionsOf(userId, livenessAt(scope.config, now)),
        keepSessionId ? ne(sessions.id, keepSessionId) : undefined,
      ),
    )
    .returning({ id: sessions.id });
  return revoked.length;
}
