import type { AuthMethod, User } from '../db/schema';
import { ApiError } from '../errors';
import type { Scope } from '../scope';
import { issueOneTimeToken } from '../tokens/one-time-tokens';

/** Long enough to open an authenticator app, short enough to be useless when stolen later. */
export const MFA_TOKEN_TTL_SECONDS = 5 * 60;

/** The first factors an MFA step can follow; the token remembers which, for the session's `amr`. */
export type FirstFactor = Extract<AuthMethod, 'password' | 'oauth' | 'lti'>;
export const FIRST_FACTORS: readonly FirstFactor[] = ['password', 'oauth', 'lti'];

/** What a sign-in whose first factor passed can lead to: the session, or the second step. */
export type SignInOutcome =
  | { kind: 'authenticated'; user: User; amr: AuthMethod[] }
  | { kind: 'mfa_required'; user: User; mfaToken: string };

/**
 * After a first factor passed: a user without MFA is authenticated; a user with MFA gets a
 * single-use `mfa_token` (opaque, stored hashed, accepted only by `login/mfa/`) instead.
 */
export async function afterFirstFactor(scope: Scope, user: User, firstFactor: FirstFactor): Promise<SignInOutcome> {
  if (!user.mfaEnabled) return { kind: 'authenticated', user, amr: [firstFactor] };
  const mfaToken = await issueOneTimeToken(scope.db, user.id, 'mfa_login', MFA_TOKEN_TTL_SECONDS, {
    payload: { first_factor: firstFactor },
  });
  return { kind: 'mfa_required', user, mfaToken };
}

/** The seed's 428 answer for the second step (problem+json with its extra members). */
export function mfaRequiredProblem(outcome: Extract<SignInOutcome, { kind: 'mfa_required' }>): ApiError {
  return new ApiError('mfa_required', {
    detail: 'A code from your authenticator app (or a backup code) is required',
    extra: { requires_mfa: true, user_id: outcome.user.id, mfa_token: outcome.mfaToken, message: 'MFA code required' },
  });
}
