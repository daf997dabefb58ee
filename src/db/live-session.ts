import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Config } from '../config';
import type { Scope } from '../scope';
import type { Database } from './client';
import { type Session, sessions, type User, users } from './schema';

// What "live" means for a session, in one place: not revoked, not past its absolute limit, used
// within SESSION_IDLE_TTL (when set), and its sign-in read the user's current security stamp.
// Every read and revocation of sessions shares these conditions.

/** The instant a liveness check is made at, with the idle cut-off the configuration implies. */
export interface Liveness {
  now: Date;
  /** Sessions last used at or before this are idle (ended); null when idle expiry is off. */
  idleCutoff: Date | null;
}

export function livenessAt(config: Pick<Config, 'sessionIdleTtl'>, now = new Date()): Liveness {
  const idleCutoff = config.sessionIdleTtl > 0 ? new Date(now.getTime() - config.sessionIdleTtl * 1000) : null;
  return { now, idleCutoff };
}

/** A session whose sign-in read the user's current security stamp. */
export const stampIsCurrent = sql`${sessions.securityStamp} = (select ${users.securityStamp} from ${users} where ${users.id} = ${sessions.userId})`;

/** Not revoked, not expired, not idle (the stamp is checked separately, against a join or a subquery). */
const sessionIsOpen = (at: Liveness) =>
  and(
    isNull(sessions.revokedAt),
    gt(sessions.expiresAt, at.now),
    at.idleCutoff ? gt(sessions.lastUsedAt, at.idleCutoff) : undefined,
  );

/** A live session, whoever's it is. */
export const sessionIsLive = (at: Liveness) => and(sessionIsOpen(at), stampIsCurrent);

/** The live sessions of a user, the condition every read and revocation of them shares. */
export const liveSessionsOf = (userId: string, at: Liveness) => and(eq(sessions.userId, userId), sessionIsLive(at));

/** Why a session (read with its user) is not live, or null when it is: the same rules, in code. */
export function whySessionEnded(
  session: Session,
  user: Pick<User, 'securityStamp'>,
  at: Liveness,
): 'revoked' | 'expired' | 'idle' | 'stamp_changed' | null {
  if (session.revokedAt) return 'revoked';
  if (session.expiresAt <= at.now) return 'expired';
  if (at.idleCutoff && session.lastUsedAt <= at.idleCutoff) return 'idle';
  if (session.securityStamp !== user.securityStamp) return 'stamp_changed';
  return null;
}

/** The session named by an access token, with its user, if it is still live. */
export async function findLiveSession(
  db: Database,
  sessionId: string,
  userId: string,
  at: Liveness,
): Promise<{ session: Session; user: User } | null> {
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sessionId),
        eq(sessions.userId, userId),
        sessionIsOpen(at),
        eq(sessions.securityStamp, users.securityStamp),
      ),
    )
    .limit(1);
  return row ?? null;
}

/**
 * `findLiveSession` as two statements to send in a D1 batch with other reads (a join cannot go in a
 * batch: D1 returns batch rows as objects, where the two tables' same-named columns collide). Read
 * the answer with `liveSessionFrom`, which applies the same conditions.
 */
export function liveSessionQueries(db: Database, sessionId: string, userId: string, at: Liveness) {
  return [
    db
      .select()
      .from(sessions)
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), sessionIsOpen(at)))
      .limit(1),
    db.select().from(users).where(eq(users.id, userId)).limit(1),
  ] as const;
}

export function liveSessionFrom([session]: Session[], [user]: User[]): { session: Session; user: User } | null {
  if (!session || !user || session.securityStamp !== user.securityStamp) return null;
  return { session, user };
}

/** Marks the session used, at most once a minute so that reads do not each cost a write. */
export function touchSession(scope: Scope, session: Session): void {
  const now = Date.now();
  if (now - session.lastUsedAt.getTime() < 60_000) return;
  scope.defer(
    scope.db
      .update(sessions)
      .set({ lastUsedAt: new Date(now) })
      .where(and(eq(sessions.id, session.id), lt(sessions.lastUsedAt, new Date(now - 60_000)))),
  );
}
