import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { audit } from '../audit/log';
import { type User, users } from '../db/schema';
import type { Scope } from '../scope';
import { consumeBackupCode } from './backup-codes';
import { open } from './secret-box';
import { matchingStep } from './totp';

export type CodeCheck =
  | { ok: true; kind: 'totp' | 'backup_code' }
  | { ok: false; reason: 'code_wrong' | 'code_replayed' | 'code_no_secret' };

/**
 * Checks a TOTP or backup code. A TOTP step is recorded in one conditional UPDATE, so a step
 * accepted once (or any earlier step) is refused afterwards, also between parallel requests.
 */
export async function checkCode(scope: Scope, user: User, code: string, allowBackupCodes: boolean): Promise<CodeCheck> {
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    if (!user.mfaSecret) return { ok: false, reason: 'code_no_secret' };
    const secret = await open(scope.config.mfa.encryptionKey, user.mfaSecret, user.id);
    const step = matchingStep(secret, trimmed, Date.now());
    if (step === null) return { ok: false, reason: 'code_wrong' };
    const recorded = await scope.db
      .update(users)
      .set({ mfaLastStep: step })
      .where(and(eq(users.id, user.id), or(isNull(users.mfaLastStep), lt(users.mfaLastStep, step))))
      .returning({ id: users.id });
    return recorded.length === 1 ? { ok: true, kind: 'totp' } : { ok: false, reason: 'code_replayed' };
  }
  if (allowBackupCodes && (await consumeBackupCode(scope.db, scope.config.mfa.backupCodePepper, user.id, trimmed))) {
    audit(scope, 'mfa.backup_code_used', { userId: user.id });
    return { ok: true, kind: 'backup_code' };
  }
  return { ok: false, reason: 'code_wrong' };
}
