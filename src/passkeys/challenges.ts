import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/client';
import { type WEBAUTHN_CEREMONIES, webauthnChallenges } from '../db/schema';
import { sha256 } from '../lib/crypto';
import { CHALLENGE_TTL_SECONDS } from './webauthn';

export type Ceremony = (typeof WEBAUTHN_CEREMONIES)[number];

/**
 * Remembers a challenge handed to a browser (SHA-256 only, like every single-use token) for
 * CHALLENGE_TTL_SECONDS. A registration challenge is bound to the user who asked for it.
 */
export async function storeChallenge(
  db: Database,
  ceremony: Ceremony,
  challenge: string,
  userId: string | null,
  now = new Date(),
): Promise<void> {
  await db.insert(webauthnChallenges).values({
    challengeHash: await sha256(challenge),
    ceremony,
    userId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + CHALLENGE_TTL_SECONDS * 1000),
  });
}

/**
 * Consumes a challenge in one conditional UPDATE ... RETURNING: of two responses carrying the same
 * challenge (a replay, or two parallel uses of one assertion) exactly one gets it. False for an
 * unknown, used, expired challenge, one of the other ceremony, or one of another user.
 */
export async function consumeChallenge(
  db: Database,
  ceremony: Ceremony,
  challenge: string,
  userId: string | null,
  now = new Date(),
): Promise<boolean> {
  const rows = await db
    .update(webauthnChallenges)
    .set({ usedAt: now })
    .where(
      and(
        eq(webauthnChallenges.challengeHash, await sha256(challenge)),
        eq(webauthnChallenges.ceremony, ceremony),
        userId === null ? isNull(webauthnChallenges.userId) : eq(webauthnChallenges.userId, userId),
        isNull(webauthnChallenges.usedAt),
        gt(webauthnChallenges.expiresAt, now),
      ),
    )
    .returning({ id: webauthnChallenges.id });
  return rows.length === 1;
}
