import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { audit } from '../audit/log';
import { stampIsCurrent } from '../db/live-session';
import { retiredRefreshTokens, type Session, sessions, type User, users } from '../db/schema';
import { consumeRateLimit } from '../guard/guard';
import { randomToken, sha256 } from '../lib/crypto';
import type { Scope } from '../scope';
import { type RefreshBody, sessionTokens } from './tokens';

/** The session a refresh token belongs (or belonged) to, for per-session rate limiting. */
export async function sessionIdOfRefreshToken(scope: Scope, presented: string): Promise<string | null> {
  const hash = await sha256(presented);
  const [live, retired] = await scope.db.batch([
    scope.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.refreshTokenHash, hash)).limit(1),
    scope.db
      .select({ id: retiredRefreshTokens.sessionId })
      .from(retiredRefreshTokens)
      .where(eq(retiredRefreshTokens.tokenHash, hash))
      .limit(1),
  ]);
  return live[0]?.id ?? retired[0]?.id ?? null;
}

export type RefreshResult =
  | { ok: true; session: Session; user: User; refreshToken: string }
  | { ok: false; reason: 'refresh_unknown_or_expired' | 'refresh_reused' | 'refresh_account_unavailable' };

/**
 * Rotates a refresh token in one conditional UPDATE: only the caller holding the live token gets
 * the row back. Any token the session rotated away before, presented again, is reuse of a stolen
 * token: the whole session is revoked.
 */
export async function rotateRefreshToken(scope: Scope, presented: string): Promise<RefreshResult> {
  const now = new Date();
  const presentedHash = await sha256(presented);
  const nextToken = randomToken();
  const nextHash = await sha256(nextToken);
  // One batch is one transaction: the old token is retired in the same instant it stops being live,
  // so a parallel request with it is always seen as reuse, never as merely unknown.
  const [[rotated]] = await scope.db.batch([
    scope.db
      .update(sessions)
      .set({ refreshTokenHash: nextHash, lastUsedAt: now })
      .where(
        and(
          eq(sessions.refreshTokenHash, presentedHash),
          isNull(sessions.revokedAt),
          gt(sessions.expiresAt, now),
          stampIsCurrent,
        ),
      )
      .returning(),
    scope.db.insert(retiredRefreshTokens).select(
      scope.db
        .select({
          tokenHash: sql`${presentedHash}`.as('token_hash'),
          sessionId: sessions.id,
          retiredAt: sql`${now.getTime()}`.as('retired_at'),
        })
        .from(sessions)
        .where(eq(sessions.refreshTokenHash, nextHash)),
    ),
  ]);
  if (rotated) {
    const user = await scope.db.query.users.findFirst({ where: eq(users.id, rotated.userId) });
    if (!user?.isActive || user.isSuspended) return { ok: false, reason: 'refresh_account_unavailable' };
    return { ok: true, session: rotated, user, refreshToken: nextToken };
  }
  const [reused] = await scope.db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: 'refresh_reuse' })
    .where(
      and(
        isNull(sessions.revokedAt),
        inArray(
          sessions.id,
          scope.db
            .select({ id: retiredRefreshTokens.sessionId })
            .from(retiredRefreshTokens)
            .where(eq(retiredRefreshTokens.tokenHash, presentedHash)),
        ),
      ),
    )
    .returning({ id: sessions.id, userId: sessions.userId });
  if (reused) {
    audit(scope, 'session.refresh_reuse', { userId: reused.userId, details: { session_id: reused.id } });
    return { ok: false, reason: 'refresh_reused' };
  }
  return { ok: false, reason: 'refresh_unknown_or_expired' };
}

/**
 * A refresh (rate limited per session, then rotated): the seed's refresh body, or why not. The
 * reason goes to the log line; the client sees one generic 401.
 */
export async function refreshSession(
  scope: Scope,
  presented: string,
): Promise<{ ok: true; body: RefreshBody } | { ok: false; reason: Extract<RefreshResult, { ok: false }>['reason'] }> {
  const sessionId = await sessionIdOfRefreshToken(scope, presented);
  if (sessionId) await consumeRateLimit(scope, 'refreshPerSession', sessionId);
  const result = await rotateRefreshToken(scope, presented);
  if (!result.ok) return result;
  const tokens = await sessionTokens(scope, result.user, result.session, result.refreshToken);
  return { ok: true, body: { session_token: tokens.access_token, ...tokens } };
}
