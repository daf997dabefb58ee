import { and, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { audit } from '../audit/log';
import { type Liveness, livenessAt, sessionIsLive, whySessionEnded } from '../db/live-session';
import { type Session, sessions, type User, users } from '../db/schema';
import { consumeRateLimit } from '../guard/guard';
import { sha256 } from '../lib/crypto';
import type { Scope } from '../scope';
import {
  childSecret,
  encodeRefreshToken,
  hashesForward,
  legacyChildSecret,
  type PresentedRefreshToken,
  readRefreshToken,
  secretHash,
} from './refresh-token';
import { type RefreshBody, sessionTokens } from './tokens';

export type RefreshFailure =
  /** Not shaped like a refresh token, or no session answers to it. */
  | 'refresh_unknown_or_expired'
  /** The shape of a token, with a tag no key of ours made: refused before any lookup. */
  | 'refresh_forged'
  /** The session is revoked, past its absolute limit, idle too long, or its stamp changed. */
  | `refresh_session_${NonNullable<ReturnType<typeof whySessionEnded>>}`
  /** A genuine earlier token after its grace: reuse of a stolen token, the session is revoked. */
  | 'refresh_reused'
  /** A valid tag that does not lead to the live token: a stolen key, never a revocation. */
  | 'refresh_not_in_chain'
  | 'refresh_account_unavailable';

export type RefreshResult =
  | { ok: true; session: Session; user: User; refreshToken: string }
  | { ok: false; reason: RefreshFailure };

interface SessionState {
  session: Session;
  user: User;
}

/** The account may still use its sessions (suspension also bumps the stamp; this covers disabling). */
const accountIsOpen = sql`exists (select 1 from ${users} where ${users.id} = ${sessions.userId} and ${users.isActive} = 1 and ${users.isSuspended} = 0)`;

/**
 * One D1 round trip: the rotation (a conditional UPDATE only the holder of the live token passes)
 * and, in the same transaction, the session and its user as they are after it.
 */
async function rotateAndRead(
  scope: Scope,
  match: { sessionId: string; generation: number; hash: string } | { legacyHash: string },
  next: { generation: number; hash: string },
  at: Liveness,
  readWhere: SQL | undefined,
): Promise<{ rotated: boolean; state: SessionState | undefined }> {
  const presented =
    'legacyHash' in match
      ? and(eq(sessions.refreshTokenHash, match.legacyHash), eq(sessions.refreshGeneration, 0))
      : and(
          eq(sessions.id, match.sessionId),
          eq(sessions.refreshGeneration, match.generation),
          eq(sessions.refreshTokenHash, match.hash),
        );
  // Two plain reads rather than a join: D1's batch answers rows as objects keyed by column name,
  // and the columns both tables share (id, created_at...) would overwrite each other.
  const [rotated, [session], [user]] = await scope.db.batch([
    scope.db
      .update(sessions)
      .set({ refreshTokenHash: next.hash, refreshGeneration: next.generation, refreshedAt: at.now, lastUsedAt: at.now })
      .where(and(presented, sessionIsLive(at), accountIsOpen))
      .returning({ id: sessions.id }),
    scope.db.select().from(sessions).where(readWhere).limit(1),
    scope.db
      .select()
      .from(users)
      .where(inArray(users.id, scope.db.select({ id: sessions.userId }).from(sessions).where(readWhere)))
      .limit(1),
  ]);
  return { rotated: rotated.length > 0, state: session && user ? { session, user } : undefined };
}

/** Why a session that did not rotate cannot refresh at all, or null when it could. */
function endedReason(state: SessionState, at: Liveness): RefreshFailure | null {
  const ended = whySessionEnded(state.session, state.user, at);
  if (ended) return `refresh_session_${ended}`;
  if (!state.user.isActive || state.user.isSuspended) return 'refresh_account_unavailable';
  return null;
}

function withinGrace(scope: Scope, session: Session, at: Liveness): boolean {
  const rotatedAt = session.refreshedAt?.getTime();
  return rotatedAt !== undefined && at.now.getTime() - rotatedAt <= scope.config.refreshTokens.reuseGraceSeconds * 1000;
}

/** Reuse of a stolen token: the whole session ends, in the audit trail with generations only. */
async function revokeForReuse(scope: Scope, sessionId: string, presentedGeneration: number): Promise<RefreshResult> {
  const [revoked] = await scope.db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: 'refresh_reuse' })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id, userId: sessions.userId, generation: sessions.refreshGeneration });
  if (revoked) {
    audit(scope, 'session.refresh_reuse', {
      userId: revoked.userId,
      details: {
        session_id: revoked.id,
        presented_generation: presentedGeneration,
        live_generation: revoked.generation,
      },
    });
  }
  return { ok: false, reason: 'refresh_reused' };
}

/**
 * A token of the chain: rotates when it is the live one; within the grace window, the live token's
 * parent gets the very child the first request got; any other genuine ancestor revokes the session.
 */
async function rotateChained(
  scope: Scope,
  presented: Extract<PresentedRefreshToken, { kind: 'chained' }>,
): Promise<RefreshResult> {
  const at = livenessAt(scope.config);
  const { key, sessionId, generation, secret } = presented;
  const child = childSecret(key, sessionId, generation + 1, secret);
  const childHash = secretHash(child);
  const { rotated, state } = await rotateAndRead(
    scope,
    { sessionId, generation, hash: secretHash(secret) },
    { generation: generation + 1, hash: childHash },
    at,
    eq(sessions.id, sessionId),
  );
  if (!state) return { ok: false, reason: 'refresh_unknown_or_expired' };
  const childToken = encodeRefreshToken(key, sessionId, generation + 1, child);
  if (rotated) return { ok: true, ...state, refreshToken: childToken };
  const ended = endedReason(state, at);
  if (ended) return { ok: false, reason: ended };

  const live = { generation: state.session.refreshGeneration, hash: state.session.refreshTokenHash };
  const isParentOfLive = live.generation === generation + 1 && live.hash === childHash;
  if (isParentOfLive && withinGrace(scope, state.session, at)) {
    return { ok: true, ...state, refreshToken: childToken };
  }
  if (isParentOfLive || hashesForward(key, sessionId, { generation, secret }, live)) {
    return revokeForReuse(scope, sessionId, generation);
  }
  return { ok: false, reason: 'refresh_not_in_chain' };
}

/**
 * A random token of a session opened before issue 15: it refreshes once, into the first chained
 * token of its session (derived from it, so parallel tabs converge, with the same grace). Once the
 * session has moved past that, the old token is simply unknown: nothing links it to its session.
 */
async function rotateLegacy(scope: Scope, token: string, legacyHash: string): Promise<RefreshResult> {
  const at = livenessAt(scope.config);
  const [key] = scope.config.refreshTokens.keys;
  if (!key) throw new Error('REFRESH_TOKEN_SECRET is required');
  const child = legacyChildSecret(key, token);
  const childHash = secretHash(child);
  const { rotated, state } = await rotateAndRead(
    scope,
    { legacyHash },
    { generation: 1, hash: childHash },
    at,
    inArray(sessions.refreshTokenHash, [legacyHash, childHash]),
  );
  if (!state) return { ok: false, reason: 'refresh_unknown_or_expired' };
  const childToken = encodeRefreshToken(key, state.session.id, 1, child);
  if (rotated) return { ok: true, ...state, refreshToken: childToken };
  const ended = endedReason(state, at);
  if (ended) return { ok: false, reason: ended };
  const isParentOfLive = state.session.refreshGeneration === 1 && state.session.refreshTokenHash === childHash;
  if (!isParentOfLive) return { ok: false, reason: 'refresh_unknown_or_expired' };
  if (withinGrace(scope, state.session, at)) return { ok: true, ...state, refreshToken: childToken };
  return revokeForReuse(scope, state.session.id, 0);
}

/**
 * Rotates a presented refresh token: at most two D1 round trips (the rotation with its read, then a
 * revocation only for reuse). Tokens that are not ours are refused before any lookup; the others
 * are rate limited per session, keyed on the session id the token carries.
 */
export async function rotateRefreshToken(scope: Scope, text: string): Promise<RefreshResult> {
  const presented = readRefreshToken(scope.config.refreshTokens.keys, text);
  switch (presented.kind) {
    case 'malformed':
      return { ok: false, reason: 'refresh_unknown_or_expired' };
    case 'unauthentic':
      return { ok: false, reason: 'refresh_forged' };
    case 'chained':
      await consumeRateLimit(scope, 'refreshPerSession', presented.sessionId);
      return rotateChained(scope, presented);
    case 'legacy': {
      const legacyHash = await sha256(presented.token);
      await consumeRateLimit(scope, 'refreshPerSession', `legacy:${legacyHash}`);
      return rotateLegacy(scope, presented.token, legacyHash);
    }
  }
}

/** A refresh: the seed's refresh body, or why not (for the log line; the client sees one 401). */
export async function refreshSession(
  scope: Scope,
  presented: string,
): Promise<{ ok: true; body: RefreshBody } | { ok: false; reason: RefreshFailure }> {
  const result = await rotateRefreshToken(scope, presented);
  if (!result.ok) return result;
  const tokens = await sessionTokens(scope, result.user, result.session, result.refreshToken);
  return { ok: true, body: { session_token: tokens.access_token, ...tokens } };
}
