import { findUserById } from '../accounts/users';
import { checkCode } from '../credentials/code-check';
import { checkUnderLockout } from '../credentials/credential-check';
import type { AuthMethod, User } from '../db/schema';
import { ApiError } from '../errors';
import { failure } from '../failures';
import { consumeRateLimit } from '../guard/guard';
import { recordFailedSignIn } from '../history/record';
import type { Scope } from '../scope';
import { FIRST_FACTORS, type FirstFactor } from '../sign-in/mfa-step';
import { checkPasswordSignIn } from '../sign-in/password';
import { refuseBarredAccount } from '../sign-in/refusals';
import { consumeOneTimeToken, peekOneTimeToken } from '../tokens/one-time-tokens';

export type MfaLoginInput =
  | { mfa_token: string; mfa_code: string }
  | { email: string; password: string; mfa_code: string };

async function userOfMfaToken(scope: Scope, token: string): Promise<{ user: User; firstFactor: FirstFactor }> {
  const pending = await peekOneTimeToken(scope.db, token, 'mfa_login');
  const user = pending ? await findUserById(scope.db, pending.userId) : undefined;
  if (!user) throw failure('mfa_token_unknown');
  const named = FIRST_FACTORS.find((factor) => factor === pending?.payload?.first_factor);
  return { user, firstFactor: named ?? 'password' };
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
      : { user: await checkPasswordSignIn(scope, input.email, input.password), firstFactor: 'password' as const };
  if (!user.mfaEnabled) {
    throw new ApiError('mfa_not_enabled', { detail: 'MFA is not enabled for this account: use login/' });
  }
  refuseBarredAccount(scope, user, 'mfa');
  await consumeRateLimit(scope, 'mfaPerAccount', user.id);

  const result = await checkUnderLockout(scope, user.email, () => checkCode(scope, user, input.mfa_code, true), {
    ownerOf: () => user,
  });
  if (!result.ok) {
    recordFailedSignIn(scope, {
      email: user.email,
      user,
      reason: 'invalid_mfa_code',
      detail: result.reason,
      method: 'mfa',
    });
    throw failure(result.reason);
  }
  if ('mfa_token' in input && !(await consumeOneTimeToken(scope.db, input.mfa_token, 'mfa_login'))) {
    throw failure('mfa_token_consumed');
  }
  return { user, amr: [firstFactor, 'mfa'] };
}
