import { checkUnderLockout } from '../auth/credential-check';
import { assertMaySignIn, signInWithPassword } from '../auth/login';
import { consumeOneTimeToken, peekOneTimeToken } from '../auth/one-time-tokens';
import type { AuthMethod, User } from '../db/schema';
import { ApiError } from '../errors';
import { consumeRateLimit } from '../guard/guard';
import { recordFailedSignIn } from '../history/record';
import type { Scope } from '../scope';
import { findUserById } from '../users/users';
import type { FirstFactor } from './challenge';
import { checkCode } from './code-check';

export type MfaLoginInput =
  | { mfa_token: string; mfa_code: string }
  | { email: string; password: string; mfa_code: string };

const invalidToken = () =>
  new ApiError('invalid_mfa_token', 'The MFA token is invalid, used or expired; sign in again');

async function userOfMfaToken(scope: Scope, token: string): Promise<{ user: User; firstFactor: FirstFactor }> {
  const pending = await peekOneTimeToken(scope.db, token, 'mfa_login');
  const user = pending ? await findUserById(scope.db, pending.userId) : undefined;
  if (!user) throw invalidToken();
  return { user, firstFactor: pending?.payload?.first_factor === 'oauth' ? 'oauth' : 'password' };
}

/**
 * The second factor: the user comes from a single-use `mfa_token` (after a sign-in said 428) or,
 * as in the seed, from email and password again. The code is rate limited per account and counts
 * towards the lockout; the MFA token is consumed only by the one request whose code is right.
 * Returns the user and how the session authenticated (`amr`).
 */
export async function signInWithMfa(scope: Scope, input: MfaLoginInput): Promise<{ user: User; amr: AuthMethod[] }> {
  const { user, firstFactor } =
    'mfa_token' in input
      ? await userOfMfaToken(scope, input.mfa_token)
      : { user: await signInWithPassword(scope, input.email, input.password), firstFactor: 'password' as const };
  if (!user.mfaEnabled) throw new ApiError('mfa_not_enabled', 'MFA is not enabled for this account: use login/');
  assertMaySignIn(scope, user, 'mfa');
  await consumeRateLimit(scope, 'mfaPerAccount', user.id);

  const result = await checkUnderLockout(scope, user.email, () => checkCode(scope, user, input.mfa_code, true), {
    ownerOf: () => user,
  });
  if (!result.ok) {
    recordFailedSignIn(scope, {
      email: user.email,
      user,
      reason: 'invalid_mfa_code',
      detail: `mfa_${result.reason}`,
      method: 'mfa',
    });
    // 401 here (not signed in yet); mfa/verify/ answers the same code with 400.
    throw new ApiError('invalid_mfa_code', 'The code is wrong, expired or already used', {}, {}, 401);
  }
  if ('mfa_token' in input && !(await consumeOneTimeToken(scope.db, input.mfa_token, 'mfa_login')))
    throw invalidToken();
  return { user, amr: [firstFactor, 'mfa'] };
}
