import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/client';
import { oneTimeTokens, type TokenPurpose } from '../db/schema';
import { randomToken, sha256 } from '../lib/crypto';

export interface RedeemedToken {
  userId: string;
  payload: Record<string, string> | null;
}

/**
 * Issues a fresh single-use token for `purpose`, voiding any earlier unused one of the same
 * purpose in the same batch. Returns the plain token: it is sent to the user, never stored.
 */
export async function issueOneTimeToken(
  db: Database,
  userId: string,
  purpose: TokenPurpose,
  ttlSeconds: number,
  options: { payload?: Record<string, string>; now?: Date } = {},
): Promise<string> {
  const now = options.now ?? new Date();
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
      payload: options.payload ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
    }),
  ]);
  return token;
}

/**
 * Consumes a token in one conditional UPDATE ... RETURNING: of two parallel uses exactly one gets
 * the row back. Returns its owner and payload, or null for an unknown, used, expired or foreign token.
 */
export async function redeemOneTimeToken(
  db: Database,
  token: string,
  purpose: TokenPurpose,
  now = new Date(),
): Promise<RedeemedToken | null> {
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
    .returning({ userId: oneTimeTokens.userId, payload: oneTimeTokens.payload });
  return row ?? null;
}

/** The owner id of a consumed token, for purposes that carry no payload. */
export async function consumeOneTimeToken(
  db: Database,
  token: string,
  purpose: TokenPurpose,
  now = new Date(),
): Promise<string | null> {
  return (await redeemOneTimeToken(db, token, purpose, now))?.userId ?? null;
}

/** A live (unused, unexpired) token's owner and payload, without consuming it. */
export async function peekOneTimeToken(
  db: Database,
  token: string,
  purpose: TokenPurpose,
  now = new Date(),
): Promise<RedeemedToken | null> {
  const row = await db.query.oneTimeTokens.findFirst({
    columns: { userId: true, payload: true },
    where: and(
      eq(oneTimeTokens.tokenHash, await sha256(token)),
      eq(oneTimeTokens.purpose, purpose),
      isNull(oneTimeTokens.usedAt),
      gt(oneTimeTokens.expiresAt, now),
    ),
  });
  return row ?? null;
}
