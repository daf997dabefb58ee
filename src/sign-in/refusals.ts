import { signInRefusal } from '../accounts/rules';
import type { User } from '../db/schema';
import { failure } from '../failures';
import { AccountLockedError, refuseWhileLocked } from '../guard/guard';
import { recordFailedSignIn, type SignInMethod } from '../history/record';
import type { Scope } from '../scope';

/**
 * Refuses a sign-in the account's own state forbids (disabled, suspended, unverified), after the
 * credentials were right; the refusal is recorded in the history.
 */
export function refuseBarredAccount(scope: Scope, user: User, method: SignInMethod, methodDetail?: string): void {
  const refusal = signInRefusal(user);
  if (!refusal) return;
  recordFailedSignIn(scope, { email: user.email, user, reason: refusal, method, methodDetail });
  throw failure(refusal);
}

/**
 * For sign-ins that check no password (a provider, a passkey): a locked email still answers 423,
 * and the refusal is recorded like a locked password attempt (the first per client and lock). It
 * neither extends nor clears the lock.
 */
export async function refuseLockedAccount(
  scope: Scope,
  email: string,
  attempt: { user?: User; method: SignInMethod; methodDetail?: string },
): Promise<void> {
  try {
    await refuseWhileLocked(scope, email);
  } catch (error) {
    if (error instanceof AccountLockedError && error.firstFromClient) {
      recordFailedSignIn(scope, {
        email,
        user: attempt.user,
        reason: 'account_locked',
        method: attempt.method,
        methodDetail: attempt.methodDetail,
      });
    }
    throw error;
  }
}
