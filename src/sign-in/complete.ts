import { eq } from 'drizzle-orm';
import { toPublicUser } from '../accounts/users';
import { audit } from '../audit/log';
import { type AuthMethod, type User, users } from '../db/schema';
import { recordSuccessfulSignIn, type SignInMethod } from '../history/record';
import type { Scope } from '../scope';
import { openSession } from '../sessions/store';
import { sessionTokens } from '../sessions/tokens';

/**
 * Opens the session of a successful sign-in (any method, after every factor passed), records it
 * in the history and audit log, and builds the seed's login body.
 */
export async function completeSignIn(
  scope: Scope,
  user: User,
  options: { rememberMe: boolean; method: SignInMethod; methodDetail?: string; amr: AuthMethod[]; message?: string },
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
  recordSuccessfulSignIn(scope, user, options.method, session.id, options.methodDetail);
  return {
    user: toPublicUser({ ...user, lastLoginAt: now }),
    ...(await sessionTokens(scope, user, session, refreshToken)),
    message: options.message ?? 'Login successful',
  };
}
