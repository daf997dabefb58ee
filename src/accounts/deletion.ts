import { and, eq, gt, isNull } from 'drizzle-orm';
import { audit } from '../audit/log';
import { assertReauthenticated, type ReauthProof } from '../credentials/reauthentication';
import { oneTimeTokens, type Session, type User, users } from '../db/schema';
import { appLink, sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { ApiError, type FieldError, validationError } from '../errors';
import { failure } from '../failures';
import type { Scope } from '../scope';
import { bumpSecurityStamp, revokeUserSessions } from '../sessions/store';
import { consumeOneTimeToken, issueOneTimeToken } from '../tokens/one-time-tokens';
import { findUserById } from './users';

/** Who asked: the owner, or a member of staff through the admin API (with their reason). */
export type DeletionRequester = { kind: 'owner' } | { kind: 'staff'; actor: User; reason?: string };

/**
 * Deleting an account is the last change a stolen access token could make, so it asks for every
 * factor the account has: the password when there is one, and a current code when MFA is on (both
 * for an account with both). An account with neither confirms with a sign-in less than 10 minutes old.
 * Missing fields are reported together, before any hashing.
 */
async function assertDeletionProof(
  scope: Scope,
  auth: { user: User; session: Session },
  proof: ReauthProof,
): Promise<void> {
  const { user } = auth;
  const problems: FieldError[] = [];
  if (user.passwordHash !== null && proof.password === undefined) {
    problems.push({ field: 'password', message: 'Required: the current password' });
  }
  if (user.passwordHash === null && proof.password !== undefined) {
    problems.push({ field: 'password', message: 'This account has no password' });
  }
  if (user.mfaEnabled && proof.mfa_code === undefined) {
    problems.push({
      field: 'mfa_code',
      message: 'Required: a current code from the authenticator app, or a backup code',
    });
  }
  if (!user.mfaEnabled && proof.mfa_code !== undefined) {
    problems.push({ field: 'mfa_code', message: 'MFA is not enabled on this account' });
  }
  if (problems.length > 0) throw validationError(problems);
  if (proof.password !== undefined) await assertReauthenticated(scope, auth, { password: proof.password });
  if (proof.mfa_code !== undefined) await assertReauthenticated(scope, auth, { mfa_code: proof.mfa_code });
  if (proof.password === undefined && proof.mfa_code === undefined) await assertReauthenticated(scope, auth, {});
}

/**
 * Schedules the erasure ACCOUNT_DELETION_GRACE seconds from now. Sign-in is refused from the moment
 * the flag is written (accounts/rules.ts); every live session is revoked, then the security stamp
 * moves on so that a sign-in in flight (which read the account before the flag) opens a dead
 * session. Links already sent (reset, email change, ...) die; the one new link cancels the deletion.
 */
export async function scheduleDeletion(scope: Scope, user: User, requester: DeletionRequester): Promise<Date> {
  const now = new Date();
  const dueAt = new Date(now.getTime() + scope.config.accountDeletionGrace * 1000);
  const [scheduled] = await scope.db
    .update(users)
    .set({ deletionDueAt: dueAt, updatedAt: now })
    .where(and(eq(users.id, user.id), isNull(users.deletionDueAt)))
    .returning({ id: users.id });
  if (!scheduled) {
    throw new ApiError('deletion_pending', { detail: 'The account is already scheduled for deletion' });
  }
  const revoked = await revokeUserSessions(scope, user.id, 'account_deletion');
  await bumpSecurityStamp(scope, user.id);
  await scope.db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(and(eq(oneTimeTokens.userId, user.id), isNull(oneTimeTokens.usedAt)));
  // The link lives exactly as long as the grace period: expiry and erasure are the same instant.
  const token = await issueOneTimeToken(
    scope.db,
    user.id,
    'account_deletion_cancel',
    scope.config.accountDeletionGrace,
    { now },
  );
  sendEmail(
    scope,
    user,
    requester.kind === 'owner' ? 'account_deletion_scheduled' : 'account_deletion_scheduled_by_staff',
    { username: user.username, time: emailTime(now), until: emailTime(dueAt) },
    { action: appLink(scope, '/cancel-account-deletion', token) },
  );
  const details = { deletion_due_at: dueAt.toISOString(), sessions_revoked: revoked };
  if (requester.kind === 'owner') {
    audit(scope, 'account.deletion_requested', { userId: user.id, details });
  } else {
    audit(scope, 'admin.user_deletion_requested', {
      userId: user.id,
      actorId: requester.actor.id,
      details: { ...details, reason: requester.reason ?? null },
    });
  }
  return dueAt;
}

/** POST me/delete/: the owner's own request, once every factor of the account is proven. */
export async function requestOwnDeletion(
  scope: Scope,
  auth: { user: User; session: Session },
  proof: ReauthProof,
): Promise<Date> {
  await assertDeletionProof(scope, auth, proof);
  return scheduleDeletion(scope, auth.user, { kind: 'owner' });
}

/**
 * POST me/delete/cancel/: the emailed link, within the grace period. The account is restored as it
 * was, its sessions excepted: the owner signs in again.
 */
export async function cancelDeletion(scope: Scope, token: string): Promise<void> {
  const now = new Date();
  const userId = await consumeOneTimeToken(scope.db, token, 'account_deletion_cancel', now);
  const [restored] = userId
    ? await scope.db
        .update(users)
        .set({ deletionDueAt: null, updatedAt: now })
        .where(and(eq(users.id, userId), gt(users.deletionDueAt, now)))
        .returning({ id: users.id })
    : [];
  if (!restored) throw failure('deletion_cancel_link_invalid');
  audit(scope, 'account.deletion_cancelled', { userId: restored.id });
  const user = await findUserById(scope.db, restored.id);
  if (user) sendEmail(scope, user, 'account_deletion_cancelled', { username: user.username, time: emailTime(now) });
}
