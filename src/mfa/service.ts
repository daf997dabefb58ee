import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { audit } from '../audit/log';
import { assertCurrentPassword, checkUnderLockout } from '../auth/credential-check';
import { backupCodes, type User, users } from '../db/schema';
import { sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { ApiError } from '../errors';
import type { Scope } from '../scope';
import { consumeBackupCode, replaceBackupCodes } from './backup-codes';
import { open, seal } from './secret-box';
import { matchingStep, newTotpSecret, otpauthUri, qrCodeDataUri } from './totp';

export type CodeCheck =
  | { ok: true; kind: 'totp' | 'backup_code' }
  | { ok: false; reason: 'wrong' | 'replayed' | 'no_secret' };

/**
 * Checks a TOTP or backup code. A TOTP step is recorded in one conditional UPDATE, so a step
 * accepted once (or any earlier step) is refused afterwards, also between parallel requests.
 */
export async function checkCode(scope: Scope, user: User, code: string, allowBackupCodes: boolean): Promise<CodeCheck> {
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    if (!user.mfaSecret) return { ok: false, reason: 'no_secret' };
    const secret = await open(scope.config.mfa.encryptionKey, user.mfaSecret, user.id);
    const step = matchingStep(secret, trimmed, Date.now());
    if (step === null) return { ok: false, reason: 'wrong' };
    const recorded = await scope.db
      .update(users)
      .set({ mfaLastStep: step })
      .where(and(eq(users.id, user.id), or(isNull(users.mfaLastStep), lt(users.mfaLastStep, step))))
      .returning({ id: users.id });
    return recorded.length === 1 ? { ok: true, kind: 'totp' } : { ok: false, reason: 'replayed' };
  }
  if (allowBackupCodes && (await consumeBackupCode(scope.db, scope.config.mfa.backupCodePepper, user.id, trimmed))) {
    audit(scope, 'mfa.backup_code_used', { userId: user.id });
    return { ok: true, kind: 'backup_code' };
  }
  return { ok: false, reason: 'wrong' };
}

/** Starts (or restarts) MFA setup: a new secret, pending until a code proves the app has it. */
export async function startMfaSetup(scope: Scope, user: User) {
  if (user.mfaEnabled) throw new ApiError('mfa_already_enabled', 'MFA is already enabled; disable it first');
  const secret = newTotpSecret();
  await scope.db
    .update(users)
    .set({
      mfaSecret: await seal(scope.config.mfa.encryptionKey, secret, user.id),
      mfaLastStep: null,
      updatedAt: new Date(),
    })
    .where(eq(users.id, user.id));
  const backup = await replaceBackupCodes(scope.db, scope.config.mfa.backupCodePepper, user.id);
  const uri = otpauthUri(secret, scope.config.mfa.issuer, user.email);
  audit(scope, 'mfa.enable_started', { userId: user.id });
  return { secret, otpauthUrl: uri, qrCode: qrCodeDataUri(uri), backupCodes: backup };
}

export async function confirmMfaSetup(scope: Scope, user: User, code: string): Promise<void> {
  if (user.mfaEnabled) throw new ApiError('mfa_already_enabled', 'MFA is already enabled');
  if (!user.mfaSecret) throw new ApiError('mfa_not_pending', 'Start with POST mfa/enable/ to get a secret');
  const check = await checkUnderLockout(scope, user.email, () => checkCode(scope, user, code, false), {
    ownerOf: () => user,
  });
  // 400, not 401: the caller is signed in, and a 401 would make the SPA refresh and retry.
  if (!check.ok) throw new ApiError('invalid_mfa_code', 'The code is wrong, expired or already used');
  await scope.db.update(users).set({ mfaEnabled: true, updatedAt: new Date() }).where(eq(users.id, user.id));
  audit(scope, 'mfa.enabled', { userId: user.id });
  sendEmail(scope, user, 'mfa_enabled', { username: user.username, time: emailTime(Date.now()) });
}

/** Turns MFA off and forgets its secrets: used by the owner (after a password check) and by admins. */
export async function removeMfa(scope: Scope, user: User, actorId: string): Promise<void> {
  await scope.db.batch([
    scope.db
      .update(users)
      .set({ mfaEnabled: false, mfaSecret: null, mfaLastStep: null, updatedAt: new Date() })
      .where(eq(users.id, user.id)),
    scope.db.delete(backupCodes).where(eq(backupCodes.userId, user.id)),
  ]);
  audit(scope, 'mfa.disabled', { userId: user.id, actorId });
  sendEmail(scope, user, 'mfa_disabled', { username: user.username, time: emailTime(Date.now()) });
}

export async function disableMfa(scope: Scope, user: User, password: string): Promise<void> {
  if (!user.mfaEnabled && !user.mfaSecret) throw new ApiError('mfa_not_enabled', 'MFA is not enabled');
  await assertCurrentPassword(scope, user, password, 'The password is incorrect');
  await removeMfa(scope, user, user.id);
}

export async function regenerateBackupCodes(scope: Scope, user: User): Promise<string[]> {
  if (!user.mfaEnabled) throw new ApiError('mfa_not_enabled', 'MFA is not enabled');
  const codes = await replaceBackupCodes(scope.db, scope.config.mfa.backupCodePepper, user.id);
  audit(scope, 'mfa.backup_codes_regenerated', { userId: user.id });
  return codes;
}
