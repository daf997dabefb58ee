import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/client';
import { oneTimeTokens, type TokenPurpose } from '../db/schema';
import { randomToken, sha256 } from '../lib/crypto';

/**
 * Issues a fresh single-use token for `purpose`, voiding any earlier unused one of the same
 * purpose in the same batch. Returns the plain token: it is sent to the user, never stored.
 */
export async function issueOneTimeToken(
  db: Database,
  userId: string,
  purpose: TokenPurpose,
  ttlSeconds: number,
  now = new Date(),
): Promise<string> {
  const token = randomToken();
  await db.batch([
    db
      .update(oneTimeTokens)
      .set({ usedAt: now })
      .where(and(eq(oneTimeTokens.userId, userId), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt))),
    db.insert(oneTimeTokens).values({
      userId,
      purpose,
      tokenHash: await sha256(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
    }),
  ]);
  return token;
}

/**
 * Consumes a token in one conditional UPDATE ... RETURNING: of two parallel uses exactly one gets
 * the row back. Returns the owner's id, or null for an unknown, used, expired or foreign token.
 */
export async function consumeOneTimeToken(
  db: Database,
  token: string,
  purpose: TokenPurpose,
  now = new Date(),
): Promise<string | null> {
  const [row] = await db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(oneTimeTokens.tokenHash, await sha256(token)),
        eq(oneTimeTokens.purpose, purpose),
        isNull(oneTimeTokens.usedAt),
        gt(oneTimeTokens.expiresAt, now),
      ),
    )
    .returning({ userId: oneTimeTokens.userId });
  return row?.userId ?? null;
}

/** The owner of a live (unused, unexpired) token, without consuming it. */
export async function ownerOfOneTimeToken(
  db: Database,
  token: string,
  purpose: TokenPurpose,
  now = new Date(),
): Promise<string | null> {
  const row = await db.query.oneTimeTokens.findFirst({
    columns: { userId: true },
    where: and(
      eq(oneTimeTokens.tokenHash, await sha256(token)),
      eq(oneTimeTokens.purpose, purpose),
      isNull(oneTimeTokens.usedAt),
      gt(oneTimeTokens.expiresAt, now),
    ),
  });
  return row?.userId ?? null;
}
