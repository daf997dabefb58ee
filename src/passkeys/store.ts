import { and, asc, eq, sql } from 'drizzle-orm';
import { signInMethodCount } from '../accounts/rules';
import type { Database } from '../db/client';
import { type Passkey, passkeys } from '../db/schema';
import { base64url, fromBase64url } from '../lib/crypto';
import type { NewPasskey, StoredPasskey } from './webauthn';

/** The user's passkeys, oldest first (the order they were added in). */
export function listPasskeys(db: Database, userId: string): Promise<Passkey[]> {
  return db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt));
}

export async function findPasskeyByCredentialId(db: Database, credentialId: string): Promise<Passkey | undefined> {
  return db.query.passkeys.findFirst({ where: eq(passkeys.credentialId, credentialId) });
}

/** Null when the credential is already registered (to this user or, by a forged response, to another). */
export async function insertPasskey(
  db: Database,
  userId: string,
  passkey: NewPasskey,
  name: string,
  now = new Date(),
): Promise<Passkey | null> {
  const [row] = await db
    .insert(passkeys)
    .values({
      userId,
      credentialId: passkey.credentialId,
      publicKey: base64url(passkey.publicKey),
      counter: passkey.counter,
      transports: passkey.transports,
      aaguid: passkey.aaguid,
      deviceType: passkey.deviceType,
      backedUp: passkey.backedUp,
      name,
      createdAt: now,
    })
    .onConflictDoNothing({ target: passkeys.credentialId })
    .returning();
  return row ?? null;
}

/** What the ceremony wrappers need to check an assertion against this passkey. */
export function storedPasskey(row: Passkey): StoredPasskey {
  return {
    credentialId: row.credentialId,
    publicKey: fromBase64url(row.publicKey),
    counter: row.counter,
    userId: row.userId,
  };
}

/**
 * Records a verified assertion. The counter only ever moves forward: of two sign-ins racing with
 * the same passkey, the lower counter never overwrites the higher one.
 */
export async function recordPasskeyUse(
  db: Database,
  id: string,
  use: { counter: number; backedUp: boolean },
  now = new Date(),
): Promise<void> {
  await db
    .update(passkeys)
    .set({ counter: sql`max(${passkeys.counter}, ${use.counter})`, backedUp: use.backedUp, lastUsedAt: now })
    .where(eq(passkeys.id, id));
}

export async function renamePasskey(
  db: Database,
  userId: string,
  id: string,
  name: string,
): Promise<Passkey | undefined> {
  const [row] = await db
    .update(passkeys)
    .set({ name })
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning();
  return row;
}

export type PasskeyRemoval = { removed: Passkey } | { removed: null; reason: 'not_found' | 'last_sign_in_method' };

/**
 * Deletes one of the user's passkeys unless it is their last way to sign in. The rule and the
 * delete are one statement, so two parallel deletions can never leave the account with none.
 */
export async function deletePasskey(db: Database, userId: string, id: string): Promise<PasskeyRemoval> {
  const [removed] = await db
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId), sql`${signInMethodCount(userId)} > 1`))
    .returning();
  if (removed) return { removed };
  const still = await db.query.passkeys.findFirst({ where: and(eq(passkeys.id, id), eq(passkeys.userId, userId)) });
  return { removed: null, reason: still ? 'last_sign_in_method' : 'not_found' };
}

/** The passkey as its owner sees it: nothing an attacker could use, not even the credential ID. */
export function toPasskeyView(row: Passkey) {
  return {
    id: row.id,
    name: row.name,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    backed_up: row.backedUp,
    device_type: row.deviceType,
  };
}
