import { eq } from 'drizzle-orm';
import { type Session, sessions, type User } from '../db/schema';
import { ApiError, validationError } from '../errors';
import { failure } from '../failures';
import { consumeRateLimit } from '../guard/guard';
import type { Scope } from '../scope';
import { checkCode } from './code-check';
import { assertCurrentPassword, checkUnderLockout } from './credential-check';

/** What a signed-in user may send to confirm a sensitive change. */
export interface ReauthProof {
  password?: string;
  mfa_code?: string;
}

/** A sign-in younger than this confirms a sensitive change by itself (SPEC §11). */
export const RECENT_SIGN_IN_SECONDS = 10 * 60;

export function isRecentSignIn(session: Session, now = Date.now()): boolean {
  return now - (session.authenticatedAt ?? session.createdAt).getTime() < RECENT_SIGN_IN_SECONDS * 1000;
}

/**
 * A stolen access token must not become lasting access: enrolling or replacing a factor, linking a
 * provider and the like need the current password, a current second factor (when MFA is on), or a
 * sign-in less than 10 minutes old (`recentSignIn: 'any-account'`; `'password-less-only'` where a
 * recent session alone is too weak, e.g. turning MFA off). Every proof is rate limited per account
 * and counts towards the lockout; a proof accepted here renews the session's authentication time.
 * Failures are 400 (a 401 would make the seed's SPA refresh and retry).
 */
export async function assertReauthenticated(
  scope: Scope,
  auth: { user: User; session: Session },
  proof: ReauthProof,
  recentSignIn: 'any-account' | 'password-less-only' = 'any-account',
): Promise<void> {
  const { user, session } = auth;
  if (proof.password !== undefined) {
    await consumeRateLimit(scope, 'reauthPerAccount', user.id);
    await assertCurrentPassword(scope, user, proof.password);
    return renew(scope, session);
  }
  if (proof.mfa_code !== undefined) {
    if (!user.mfaEnabled) {
      throw validationError([{ field: 'mfa_code', message: 'MFA is not enabled: confirm with your password' }]);
    }
    await consumeRateLimit(scope, 'mfaPerAccount', user.id);
    const code = proof.mfa_code;
    const check = await checkUnderLockout(scope, user.email, () => checkCode(scope, user, code, true), {
      ownerOf: () => user,
    });
    if (!check.ok) throw failure(check.reason);
    return renew(scope, session);
  }
  if (recentSignIn === 'password-less-only' && user.passwordHash !== null) {
    // The seed's contract for such endpoints: the password is a required field.
    throw validationError([{ field: 'password', message: 'Required (or mfa_code, a current code)' }]);
  }
  if (isRecentSignIn(session)) return;
  throw new ApiError('reauthentication_required', {
    detail:
      user.passwordHash === null && !user.mfaEnabled
        ? 'Sign in again to confirm this change'
        : 'Confirm this change with your password (or a code from your authenticator app), or sign in again',
    reason: 'sign_in_not_recent',
  });
}

async function renew(scope: Scope, session: Session): Promise<void> {
  await scope.db.update(sessions).set({ authenticatedAt: new Date() }).where(eq(sessions.id, session.id));
}
