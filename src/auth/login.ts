import { and, eq } from 'drizzle-orm';
import { audit } from '../audit/log';
import { type AuthMethod, type Session, type User, users } from '../db/schema';
import { ApiError } from '../errors';
import { consumeRateLimit, lockedError, lockoutStatus } from '../guard/guard';
import {
  type LoginFailureReason,
  recordFailedSignIn,
  recordSuccessfulSignIn,
  type SignInMethod,
} from '../history/record';
import type { Scope } from '../scope';
import { openSession, rotateRefreshToken, sessionIdOfRefreshToken } from '../sessions/sessions';
import { findUserByEmail, normaliseEmail, toPublicUser } from '../users/users';
import { signAccessToken } from './access-token';
import { checkUnderLockout } from './credential-check';
import { hasherFor } from './hasher';

export type CredentialCheck =
  | { ok: true; user: User }
  | { ok: false; reason: 'unknown_email' | 'no_password' | 'wrong_password'; user?: User };

/**
 * Replaces a hash made with other parameters once the response is on its way. scrypt is
 * synchronous: started inside the request it would hold the response for a second hash, so it waits
 * for the next turn of the event loop. The UPDATE only lands if the hash is still the one checked,
 * so it never undoes a reset or change that happened meanwhile.
 */
async function upgradeHashLater(scope: Scope, user: User, password: string, checkedHash: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  const rehashed = await hasherFor(scope.config).hash(password);
  await scope.db
    .update(users)
    .set({ passwordHash: rehashed })
    .where(and(eq(users.id, user.id), eq(users.passwordHash, checkedHash)));
}

/**
 * Checks an email and password. Every path costs exactly one scrypt, so unknown emails and wrong
 * passwords cannot be told apart by time; the reason is for the audit trail only.
 */
export async function checkCredentials(scope: Scope, email: string, password: string): Promise<CredentialCheck> {
  const hasher = hasherFor(scope.config);
  const user = await findUserByEmail(scope.db, email);
  if (!user?.passwordHash) {
    await hasher.burn(password);
    return user ? { ok: false, reason: 'no_password', user } : { ok: false, reason: 'unknown_email' };
  }
  const verdict = await hasher.verify(password, user.passwordHash);
  if (!verdict.valid) return { ok: false, reason: 'wrong_password', user };
  if (verdict.needsRehash) scope.defer(upgradeHashLater(scope, user, password, user.passwordHash));
  return { ok: true, user };
}

/**
 * The password step of every sign-in: lockout first (a locked account's password is not even
 * checked), then one scrypt, then the account state. Failures are identical for unknown emails and
 * wrong passwords; the precise reason goes to the audit trail.
 */
export async function signInWithPassword(scope: Scope, email: string, password: string): Promise<User> {
  const normalised = normaliseEmail(email);
  const result = await checkUnderLockout(scope, normalised, () => checkCredentials(scope, normalised, password), {
    ownerOf: (check) => check.user,
    outcomeOf: (check) => (!check.ok ? 'failure' : check.user.mfaEnabled ? 'abandoned' : 'success'),
  }).catch(async (error: unknown) => {
    if (error instanceof ApiError && error.code === 'account_locked') {
      const user = await findUserByEmail(scope.db, normalised);
      recordFailedSignIn(scope, { email: normalised, user, reason: 'account_locked', method: 'password' });
    }
    throw error;
  });
  if (!result.ok) {
    recordFailedSignIn(scope, {
      email: normalised,
      user: result.user,
      reason: 'invalid_credentials',
      detail: result.reason,
      method: 'password',
    });
    throw INVALID_CREDENTIALS();
  }
  assertMaySignIn(scope, result.user, 'password');
  return result.user;
}

/** The account states that forbid signing in even with the right credentials (recorded in history). */
export function assertMaySignIn(scope: Scope, user: User, method: SignInMethod): void {
  const refusal = !user.isActive
    ? new ApiError('account_disabled', 'This account has been disabled')
    : user.isSuspended
      ? new ApiError('account_suspended', 'This account is suspended')
      : !user.isEmailVerified
        ? new ApiError('email_not_verified', 'Please verify your email address before signing in')
        : null;
  if (!refusal) return;
  recordFailedSignIn(scope, { email: user.email, user, reason: refusal.code as LoginFailureReason, method });
  throw refusal;
}

/**
 * For sign-ins that check no password (a provider, a passkey): a locked email still answers 423,
 * and the refusal is recorded like a locked password attempt. It neither extends nor clears the lock.
 */
export async function assertNotLocked(
  scope: Scope,
  email: string,
  attempt: { user?: User; method: SignInMethod },
): Promise<void> {
  const { lockedUntil } = await lockoutStatus(scope, email);
  if (!lockedUntil) return;
  recordFailedSignIn(scope, { email, user: attempt.user, reason: 'account_locked', method: attempt.method });
  throw lockedError(lockedUntil);
}

export const INVALID_CREDENTIALS = () => new ApiError('invalid_credentials', 'Invalid email or password');

async function tokensFor(scope: Scope, user: User, session: Session, refreshToken: string) {
  const access = await signAccessToken(
    scope.config,
    { sub: user.id, sid: session.id, role: user.role, amr: session.amr },
    session.expiresAt,
  );
  return {
    access_token: access.token,
    refresh_token: refreshToken,
    expires_at: access.expiresAt.toISOString(),
  };
}

/**
 * Opens the session of a successful sign-in (any method, after every factor passed), records it
 * in the history and audit log, and builds the seed's login body.
 */
export async function completeSignIn(
  scope: Scope,
  user: User,
  options: { rememberMe: boolean; method: SignInMethod; amr: AuthMethod[]; message?: string },
) {
  const now = new Date();
  const { session, refreshToken } = await openSession(scope, user, {
    rememberMe: options.rememberMe,
    amr: options.amr,
  });
  scope.defer(scope.db.update(users).set({ lastLoginAt: now }).where(eq(users.id, user.id)));
  audit(scope, 'login.succeeded', {
    userId: user.id,
    details: { session_id: session.id, method: options.method, amr: options.amr },
  });
  recordSuccessfulSignIn(scope, user, options.method, session.id);
  return {
    user: toPublicUser({ ...user, lastLoginAt: now }),
    ...(await tokensFor(scope, user, session, refreshToken)),
    message: options.message ?? 'Login successful',
  };
}

export async function refreshSession(scope: Scope, presented: string) {
  const sessionId = await sessionIdOfRefreshToken(scope, presented);
  if (sessionId) await consumeRateLimit(scope, 'refreshPerSession', sessionId);
  const result = await rotateRefreshToken(scope, presented);
  if (!result.ok) {
    throw new ApiError('invalid_refresh_token', 'The refresh token is invalid, expired or revoked');
  }
  const tokens = await tokensFor(scope, result.user, result.session, result.refreshToken);
  return { session_token: tokens.access_token, ...tokens };
}
