import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Scope } from '../scope';
import type { Database } from './client';
import { type Session, sessions, type User, users } from './schema';

// What "live" means for a session, in one place: not revoked, not expired, and its sign-in read the
// user's current security stamp. Every read and revocation of sessions shares these conditions.

/** A session whose sign-in read the user's current security stamp. */
export const stampIsCurrent = sql`${sessions.securityStamp} = (select ${users.securityStamp} from ${users} where ${users.id} = ${sessions.userId})`;

/** The live sessions of a user, the condition every read and revocation of them shares. */
export const liveSessionsOf = (userId: string, now: Date) =>
  and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now), stampIsCurrent);

/** The session named by an access token, with its user, if it is still live. */
export async function findLiveSession(
  db: Database,
  sessionId: string,
  userId: string,
): Promise<{ session: Session; user: User } | null> {
  const now = new Date();
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sessionId),
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
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
export function liveSessionQueries(db: Database, sessionId: string, userId: string) {
  return [
    db
      .select()
      .from(sessions)
      .where(
        and(
          eq(sessions.id, sessionId),
          eq(sessions.userId, userId),
          isNull(sessions.revokedAt),
          gt(sessions.expiresAt, new Date()),
        ),
      )
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
