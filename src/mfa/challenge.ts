import { issueOneTimeToken } from '../auth/one-time-tokens';
import type { AuthMethod, User } from '../db/schema';
import { ApiError } from '../errors';
import type { Scope } from '../scope';

/** Long enough to open an authenticator app, short enough to be useless when stolen later. */
export const MFA_TOKEN_TTL_SECONDS = 5 * 60;

/** The first factors an MFA step can follow; the token remembers which, for the session's `amr`. */
export type FirstFactor = Extract<AuthMethod, 'password' | 'oauth'>;

/**
 * The second step of any sign-in (password or OAuth) for a user with MFA on: answers 428 with a
 * single-use `mfa_token` (opaque, stored hashed, accepted only by `login/mfa/`).
 */
export async function requireMfaStep(scope: Scope, user: User, firstFactor: FirstFactor): Promise<void> {
  if (!user.mfaEnabled) return;
  const mfaToken = await issueOneTimeToken(scope.db, user.id, 'mfa_login', MFA_TOKEN_TTL_SECONDS, {
    payload: { first_factor: firstFactor },
  });
  throw new ApiError('mfa_required', 'A code from your authenticator app (or a backup code) is required', {
    requires_mfa: true,
    user_id: user.id,
    mfa_token: mfaToken,
    message: 'MFA code required',
  });
}
