import { eq } from 'drizzle-orm';
import { audit } from '../audit/log';
import { replaceBackupCodes } from '../credentials/backup-codes';
import { checkCode } from '../credentials/code-check';
import { checkUnderLockout } from '../credentials/credential-check';
import { seal } from '../credentials/secret-box';
import { newTotpSecret, otpauthUri, qrCodeDataUri } from '../credentials/totp';
import { backupCodes, type User, users } from '../db/schema';
import { sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { ApiError } from '../errors';
import { failure } from '../failures';
import type { Scope } from '../scope';
import { bumpSecurityStamp, revokeUserSessions } from '../sessions/store';

/** Starts (or restarts) MFA setup: a new secret, pending until a code proves the app has it. */
export async function startMfaSetup(scope: Scope, user: User) {
  if (user.mfaEnabled) {
    throw new ApiError('mfa_already_enabled', { detail: 'MFA is already enabled; disable it first' });
  }
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
  if (user.mfaEnabled) throw new ApiError('mfa_already_enabled', { detail: 'MFA is already enabled' });
  if (!user.mfaSecret) {
    throw new ApiError('mfa_not_pending', { detail: 'Start with POST mfa/enable/ to get a secret' });
  }
  const check = await checkUnderLockout(scope, user.email, () => checkCode(scope, user, code, false), {
    ownerOf: () => user,
  });
  // 400, not 401: the caller is signed in, and a 401 would make the SPA refresh and retry.
  if (!check.ok) throw failure(check.reason);
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
  if (!user.mfaEnabled && !user.mfaSecret) throw new ApiError('mfa_not_enabled', { detail: 'MFA is not enabled' });
}

export async function regenerateBackupCodes(scope: Scope, user: User): Promise<string[]> {
  if (!user.mfaEnabled) throw new ApiError('mfa_not_enabled', { detail: 'MFA is not enabled' });
  const codes = await replaceBackupCodes(scope.db, scope.config.mfa.backupCodePepper, user.id);
  audit(scope, 'mfa.backup_codes_regenerated', { userId: user.id });
  // Replacing a factor is what a stolen session would do: the owner hears of it (SPEC §11).
  sendEmail(scope, user, 'backup_codes_regenerated', { username: user.username, time: emailTime(Date.now()) });
  return codes;
}
