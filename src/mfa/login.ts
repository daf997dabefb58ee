import { audit } from '../audit/log';
import { checkUnderLockout } from '../auth/credential-check';
import { assertMaySignIn, signInWithPassword } from '../auth/login';
import { consumeOneTimeToken, ownerOfOneTimeToken } from '../auth/one-time-tokens';
import type { User } from '../db/schema';
import { ApiError } from '../errors';
import { consumeRateLimit } from '../guard/guard';
import { recordLoginAttempt } from '../history/record';
import type { Scope } from '../scope';
import { findUserById } from '../users/users';
import { checkCode } from './service';

export type MfaLoginInput =
  | { mfa_token: string; mfa_code: string }
  | { email: string; password: string; mfa_code: string };

const invalidToken = () =>
  new ApiError('invalid_mfa_token', 'The MFA token is invalid, used or expired; sign in again');

async function userOfMfaToken(scope: Scope, token: string): Promise<User> {
  const userId = await ownerOfOneTimeToken(scope.db, token, 'mfa_login');
  const user = userId ? await findUserById(scope.db, userId) : undefined;
  if (!user) throw invalidToken();
  return user;
}

/**
 * The second factor: the user comes from a single-use `mfa_token` (after `login/` said 428) or,
 * as in the seed, from email and password again. The code is rate limited per account and counts
 * towards the lockout; the MFA token is consumed only by the one request whose code is right.
 */
export async function signInWithMfa(scope: Scope, input: MfaLoginInput): Promise<User> {
  const user =
    'mfa_token' in input
      ? await userOfMfaToken(scope, input.mfa_token)
      : await signInWithPassword(scope, input.email, input.password);
  if (!user.mfaEnabled) throw new ApiError('mfa_not_enabled', 'MFA is not enabled for this account: use login/');
  assertMaySignIn(scope, user, 'mfa');
  await consumeRateLimit(scope, 'mfaPerAccount', user.id);

  const result = await checkUnderLockout(scope, user.email, () => checkCode(scope, user, input.mfa_code, true), {
    ownerOf: () => user,
  });
  if (!result.ok) {
    audit(scope, 'login.failed', { userId: user.id, details: { reason: `mfa_${result.reason}`, email: user.email } });
    recordLoginAttempt(scope, {
      email: user.email,
      userId: user.id,
      success: false,
      failureReason: 'invalid_mfa_code',
      method: 'mfa',
    });
    // 401 here (not signed in yet); mfa/verify/ answers the same code with 400.
    throw new ApiError('invalid_mfa_code', 'The code is wrong, expired or already used', {}, {}, 401);
  }
  if ('mfa_token' in input && !(await consumeOneTimeToken(scope.db, input.mfa_token, 'mfa_login')))
    throw invalidToken();
  return user;
}
