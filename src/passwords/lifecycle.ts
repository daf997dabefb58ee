import { eq } from 'drizzle-orm';
import { findUserByEmail, findUserById, normaliseEmail } from '../accounts/users';
import { audit } from '../audit/log';
import { assertCurrentPassword } from '../credentials/credential-check';
import { hasherFor } from '../credentials/password-hasher';
import { type User, users } from '../db/schema';
import { appLink, sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { validationError } from '../errors';
import { failure } from '../failures';
import { clearLockout } from '../guard/guard';
import type { Scope } from '../scope';
import { bumpSecurityStamp, revokeUserSessions } from '../sessions/store';
import { consumeOneTimeToken, issueOneTimeToken } from '../tokens/one-time-tokens';
import { checkNewPassword } from './policy';

async function assertAcceptable(scope: Scope, password: string, confirmation: string): Promise<void> {
  const problems = await checkNewPassword(scope.config.passwordPolicy, password, confirmation, {
    password: 'new_password',
    confirmation: 'new_password_confirm',
  });
  if (problems.length > 0) throw validationError(problems, 'The new password does not meet the policy');
}

function notifyPasswordChanged(scope: Scope, user: User): void {
  sendEmail(scope, user, 'password_changed', { username: user.username, time: emailTime(Date.now()) });
}

/**
 * Answers the same, in about the same time, whether or not the email exists: the lookup is the only
 * work done before the response; issuing the token and sending the link happen after it.
 */
export async function requestPasswordReset(scope: Scope, email: string): Promise<void> {
  const user = await findUserByEmail(scope.db, normaliseEmail(email));
  if (!user?.isActive) return;
  scope.defer(
    (async () => {
      const token = await issueOneTimeToken(scope.db, user.id, 'password_reset', scope.config.passwordResetTtl);
      sendEmail(
        scope,
        user,
        'password_reset',
        { username: user.username },
        { action: appLink(scope, '/reset-password', token) },
      );
      audit(scope, 'password.reset_requested', { userId: user.id });
    })(),
  );
}

/**
 * Consumes the reset token atomically, then sets the password, signs out every session and clears
 * the lockout. It does not sign the user in: the next sign-in still goes through MFA.
 */
export async function resetPassword(
  scope: Scope,
  token: string,
  password: string,
  confirmation: string,
): Promise<void> {
  await assertAcceptable(scope, password, confirmation);
  const userId = await consumeOneTimeToken(scope.db, token, 'password_reset');
  const user = userId ? await findUserById(scope.db, userId) : undefined;
  if (!user) throw failure('reset_link_invalid');
  const passwordHash = await hasherFor(scope).hash(password);
  await scope.db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id));
  const revoked = await revokeUserSessions(scope, user.id, 'password_reset');
  await bumpSecurityStamp(scope, user.id);
  await clearLockout(scope, user.email);
  audit(scope, 'password.reset', { userId: user.id, details: { sessions_revoked: revoked } });
  notifyPasswordChanged(scope, user);
}

/**
 * Changes the password of the signed-in user. A wrong current password is 400 (a 401 would make the
 * seed's SPA refresh and retry) and counts towards the lockout like any failed credential check.
 */
export async function changePassword(
  scope: Scope,
  user: User,
  currentSessionId: string,
  input: { current_password: string; new_password: string; new_password_confirm: string },
): Promise<number> {
  await assertAcceptable(scope, input.new_password, input.new_password_confirm);
  if (input.new_password.normalize('NFKC') === input.current_password.normalize('NFKC')) {
    throw validationError([{ field: 'new_password', message: 'The new password must differ from the current one' }]);
  }
  await assertCurrentPassword(scope, user, input.current_password);
  const passwordHash = await hasherFor(scope).hash(input.new_password);
  await scope.db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id));
  const revoked = await revokeUserSessions(scope, user.id, 'password_changed', currentSessionId);
  await bumpSecurityStamp(scope, user.id, currentSessionId);
  audit(scope, 'password.changed', { userId: user.id, details: { sessions_revoked: revoked } });
  notifyPasswordChanged(scope, user);
  return revoked;
}
