import { eq } from 'drizzle-orm';
import { audit } from '../audit/log';
import { checkUnderLockout } from '../auth/credential-check';
import { backupCodes, type User, users } from '../db/schema';
import { sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { ApiError } from '../errors';
import type { Scope } from '../scope';
import { bumpSecurityStamp, revokeUserSessions } from '../sessions/sessions';
import { replaceBackupCodes } from './backup-codes';
import { checkCode } from './code-check';
import { seal } from './secret-box';
import { newTotpSecret, otpauthUri, qrCodeDataUri } from './totp';

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

/**
 * Turns MFA on once a code proves the app holds the secret. Every other session ends: they were
 * opened without the second factor, and one of them may be an attacker's. The current one stays (it
 * just proved a code), but keeps the `amr` of its sign-in: the admin API wants a session that
 * signed in with MFA, so staff sign in again after turning it on.
 */
export async function confirmMfaSetup(scope: Scope, user: User, currentSessionId: string, code: string): Promise<void> {
  if (user.mfaEnabled) throw new ApiError('mfa_already_enabled', 'MFA is already enabled');
  if (!user.mfaSecret) throw new ApiError('mfa_not_pending', 'Start with POST mfa/enable/ to get a secret');
  const check = await checkUnderLockout(scope, user.email, () => checkCode(scope, user, code, false), {
    ownerOf: () => user,
  });
  // 400, not 401: the caller is signed in, and a 401 would make the SPA refresh and retry.
  if (!check.ok) throw new ApiError('invalid_mfa_code', 'The code is wrong, expired or already used');
  await scope.db.update(users).set({ mfaEnabled: true, updatedAt: new Date() }).where(eq(users.id, user.id));
  const revoked = await revokeUserSessions(scope, user.id, 'mfa_enabled', currentSessionId);
  await bumpSecurityStamp(scope, user.id, currentSessionId);
  audit(scope, 'mfa.enabled', { userId: user.id, details: { sessions_revoked: revoked } });
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

export function assertMfaConfigured(user: User): void {
  if (!user.mfaEnabled && !user.mfaSecret) throw new ApiError('mfa_not_enabled', 'MFA is not enabled');
}

export async function regenerateBackupCodes(scope: Scope, user: User): Promise<string[]> {
  if (!user.mfaEnabled) throw new ApiError('mfa_not_enabled', 'MFA is not enabled');
  const codes = await replaceBackupCodes(scope.db, scope.config.mfa.backupCodePepper, user.id);
  audit(scope, 'mfa.backup_codes_regenerated', { userId: user.id });
  return codes;
}
