import { and, eq } from 'drizzle-orm';
import { findUserByEmail, normaliseEmail } from '../accounts/users';
import { checkUnderLockout } from '../credentials/credential-check';
import { hasherFor } from '../credentials/password-hasher';
import { type User, users } from '../db/schema';
import { failure } from '../failures';
import { AccountLockedError } from '../guard/guard';
import { recordFailedSignIn } from '../history/record';
import type { Scope } from '../scope';
import { afterFirstFactor, type SignInOutcome } from './mfa-step';
import { refuseBarredAccount } from './refusals';

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
  const rehashed = await hasherFor(scope).hash(password);
  await scope.db
    .update(users)
    .set({ passwordHash: rehashed })
    .where(and(eq(users.id, user.id), eq(users.passwordHash, checkedHash)));
}

/**
 * Checks an email and password. Every path costs exactly one scrypt, so unknown emails and wrong
 * passwords cannot be told apart by time; the reason is for the audit trail only. `account` is the
 * lookup of the email's user, when the caller started it earlier.
 */
export async function checkCredentials(
  scope: Scope,
  email: string,
  password: string,
  account: Promise<User | undefined> = findUserByEmail(scope.db, email),
): Promise<CredentialCheck> {
  const hasher = hasherFor(scope);
  const user = await account;
  if (!user?.passwordHash) {
    await hasher.burn(password);
    return user ? { ok: false, reason: 'no_password', user } : { ok: false, reason: 'unknown_email' };
  }
  const verdict = await hasher.verify(password, user.passwordHash);
  if (!verdict.valid) return { ok: false, reason: 'wrong_password', user };
  if (verdict.needsRehash) scope.defer(upgradeHashLater(scope, user, password, user.passwordHash));
  return { ok: true, user };
}

export interface PasswordStepOptions {
  /** The request's rate limit, still in flight: it must pass before the hash (see `rateLimit`). */
  admission?: Promise<unknown>;
  /** Settle the lockout after the answer (login/, whose answer ends the attempt). */
  settleAfterAnswer?: boolean;
}

/**
 * The password step: lockout first (a locked account's password is not even checked), then one
 * scrypt, then the account's state. Failures are identical for unknown emails and wrong
 * passwords; the precise reason goes to the log line and the audit trail. The rate limit, the
 * lockout reservation and the account lookup go out together: one round trip before the hash.
 */
export async function checkPasswordSignIn(
  scope: Scope,
  email: string,
  password: string,
  options: PasswordStepOptions = {},
): Promise<User> {
  const normalised = normaliseEmail(email);
  const account = findUserByEmail(scope.db, normalised);
  // Awaited by the check, or by the refusal below; never left to reject unobserved.
  account.catch(() => undefined);
  const result = await checkUnderLockout(
    scope,
    normalised,
    () => checkCredentials(scope, normalised, password, account),
    {
      ownerOf: (check) => check.user,
      outcomeOf: (check) => (!check.ok ? 'failure' : check.user.mfaEnabled ? 'abandoned' : 'success'),
      alongside: options.admission,
      settle: options.settleAfterAnswer ? 'after-answer' : 'before-answer',
    },
  ).catch(async (error: unknown) => {
    // While locked, only the first refusal per client and lock is recorded; the lockout counts the rest.
    if (error instanceof AccountLockedError && error.firstFromClient) {
      const user = await account.catch(() => undefined);
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
    throw failure(result.reason);
  }
  refuseBarredAccount(scope, result.user, 'password');
  return result.user;
}

/** `login/`: the password, then either the session or the MFA step. */
export async function signInWithPassword(
  scope: Scope,
  email: string,
  password: string,
  admission?: Promise<unknown>,
): Promise<SignInOutcome> {
  const user = await checkPasswordSignIn(scope, email, password, { admission, settleAfterAnswer: true });
  return afterFirstFactor(scope, user, 'password');
}
