import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client';
import { backupCodes } from '../db/schema';
import { base64url, importBase64Key, randomDigits } from '../lib/crypto';

export const BACKUP_CODE_COUNT = 8;
const BACKUP_CODE = /^(\d{4})-?(\d{4})$/;

/** `1234-5678`: eight digits from the CSPRNG. */
export function newBackupCode(): string {
  const digits = randomDigits(8);
  return `${digits.slice(0, 4)}-${digits.slice(4)}`;
}

export function isBackupCodeShape(code: string): boolean {
  return BACKUP_CODE.test(code.trim());
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

/**
 * HMAC-SHA-256 under a server secret, bound to the user: eight digits are 10^8 possibilities,
 * which a plain hash would give away offline in seconds; without the key a stolen table is useless.
 */
async function hashBackupCode(pepper: string, userId: string, code: string): Promise<string> {
  let key = hmacKeys.get(pepper);
  if (!key) {
    key = importBase64Key(pepper, { name: 'HMAC', hash: 'SHA-256' }, ['sign']);
    hmacKeys.set(pepper, key);
  }
  const normalised = code.trim().replace('-', '');
  const mac = await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(`${userId}:${normalised}`));
  return base64url(new Uint8Array(mac));
}

/** Replaces the user's whole set with 8 new codes (the old ones void at once); returns them in clear. */
export async function replaceBackupCodes(db: Database, pepper: string, userId: string): Promise<string[]> {
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, newBackupCode);
  const now = new Date();
  const rows = await Promise.all(
    codes.map(async (code) => ({ userId, codeHash: await hashBackupCode(pepper, userId, code), createdAt: now })),
  );
  await db.batch([db.delete(backupCodes).where(eq(backupCodes.userId, userId)), db.insert(backupCodes).values(rows)]);
  return codes;
}

/** Uses a backup code in one conditional UPDATE: of two parallel uses, one succeeds. */
export async function consumeBackupCode(db: Database, pepper: string, userId: string, code: string): Promise<boolean> {
  if (!isBackupCodeShape(code)) return false;
  const used = await db
    .update(backupCodes)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(backupCodes.userId, userId),
        eq(backupCodes.codeHash, await hashBackupCode(pepper, userId, code)),
        isNull(backupCodes.usedAt),
      ),
    )
    .returning({ id: backupCodes.id });
  return used.length === 1;
}
