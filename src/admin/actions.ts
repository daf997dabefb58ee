import { desc, eq } from 'drizzle-orm';
import { scheduleDeletion } from '../accounts/deletion';
import { findUserById, toPublicUser } from '../accounts/users';
import { audit } from '../audit/log';
import { mayActOn, type Permission, type TargetDecision } from '../authz/permissions';
import { loginHistory, oauthAccounts, passkeys, type Role, type User, users } from '../db/schema';
import { ApiError } from '../errors';
import { clearLockout, lockoutStatus } from '../guard/guard';
import { locationOf } from '../lib/client-info';
import { removeMfa } from '../mfa/setup';
import { removalRefused, removeUserPasskey } from '../passkeys/management';
import { sendVerificationEmail } from '../registration/registration';
import type { Scope } from '../scope';
import { bumpSecurityStamp, listLiveSessions, revokeUserSessions, toSessionView } from '../sessions/store';

const REFUSALS: Record<Exclude<TargetDecision, { allowed: true }>['reason'], string> = {
  no_permission: 'Your role may not do this',
  protected_target: "Your role may not act on this account's role",
  self: 'You may not do this to your own account',
  role_not_grantable: 'Your role may not grant this role',
};

export async function loadTarget(scope: Scope, id: string): Promise<User> {
  const user = await findUserById(scope.db, id);
  if (!user) throw new ApiError('not_found', { detail: 'No such user' });
  return user;
}

function authorise(actor: User, permission: Permission, target: User, newRole?: Role): void {
  const decision = mayActOn(actor, permission, target, newRole);
  if (!decision.allowed)
    throw new ApiError('forbidden', { detail: REFUSALS[decision.reason], reason: decision.reason });
}

export async function userDetails(scope: Scope, actor: User, target: User) {
  authorise(actor, 'users.read', target);
  const [sessions, providers, lastLogins, lock, keys] = await Promise.all([
    listLiveSessions(scope, target.id),
    scope.db
      .select({ provider: oauthAccounts.provider, linkedAt: oauthAccounts.createdAt })
      .from(oauthAccounts)
      .where(eq(oauthAccounts.userId, target.id)),
    scope.db
      .select()
      .from(loginHistory)
      .where(eq(loginHistory.userId, target.id))
      .orderBy(desc(loginHistory.createdAt))
      .limit(10),
    lockoutStatus(scope, target.email),
    scope.db.select().from(passkeys).where(eq(passkeys.userId, target.id)).orderBy(passkeys.createdAt),
  ]);
  return {
    user: toPublicUser(target),
    has_password: target.passwordHash !== null,
    lock: {
      failed_attempts: lock.failures,
      locked_until: lock.lockedUntil ? new Date(lock.lockedUntil).toISOString() : null,
    },
    mfa_enabled: target.mfaEnabled,
    linked_providers: providers.map((p) => ({ provider: p.provider, linked_at: p.linkedAt.toISOString() })),
    passkeys: keys.map((key) => ({
      id: key.id,
      name: key.name,
      created_at: key.createdAt.toISOString(),
      last_used_at: key.lastUsedAt?.toISOString() ?? null,
      backed_up: key.backedUp,
      device_type: key.deviceType,
      aaguid: key.aaguid,
    })),
    sessions: sessions.map((session) => toSessionView(session, '')),
    last_logins: lastLogins.map((row) => ({
      success: row.success,
      failure_reason: row.failureReason,
      method: row.method,
      method_detail: row.methodDetail,
      ip_address: row.ipAddress,
      location: locationOf(row.city, row.country),
      device: row.device,
      browser: row.browser,
      suspicious: row.suspicious,
      login_at: row.createdAt.toISOString(),
    })),
  };
}

/** The new role is in force on the target's next request; their JWT's claim on the next refresh. */
export async function changeRole(scope: Scope, actor: User, target: User, role: Role): Promise<User> {
  authorise(actor, 'users.change_role', target, role);
  const [updated] = await scope.db
    .update(users)
    .set({ role, updatedAt: new Date() })
    .where(eq(users.id, target.id))
    .returning();
  audit(scope, 'admin.role_changed', {
    userId: target.id,
    actorId: actor.id,
    details: { from: target.role, to: role },
  });
  return updated ?? target;
}

/** Suspension ends every session at once; sign-in then answers 403 account_suspended. */
export async function setSuspended(
  scope: Scope,
  actor: User,
  target: User,
  suspended: boolean,
  reason?: string,
): Promise<number> {
  authorise(actor, 'users.suspend', target);
  await scope.db.update(users).set({ isSuspended: suspended, updatedAt: new Date() }).where(eq(users.id, target.id));
  const revoked = suspended ? await revokeUserSessions(scope, target.id, 'suspended') : 0;
  if (suspended) await bumpSecurityStamp(scope, target.id);
  audit(scope, suspended ? 'admin.user_suspended' : 'admin.user_unsuspended', {
    userId: target.id,
    actorId: actor.id,
    details: { reason: reason ?? null, sessions_revoked: revoked },
  });
  return revoked;
}

export async function unlock(scope: Scope, actor: User, target: User): Promise<void> {
  authorise(actor, 'users.unlock', target);
  await clearLockout(scope, target.email);
  audit(scope, 'admin.user_unlocked', { userId: target.id, actorId: actor.id });
}

export async function resendVerification(scope: Scope, actor: User, target: User): Promise<void> {
  authorise(actor, 'users.resend_verification', target);
  if (target.isEmailVerified) throw new ApiError('conflict', { detail: 'This email address is already verified' });
  await sendVerificationEmail(scope, target);
  audit(scope, 'admin.verification_resent', { userId: target.id, actorId: actor.id });
}

export async function revokeSessions(scope: Scope, actor: User, target: User): Promise<number> {
  authorise(actor, 'users.revoke_sessions', target);
  const revoked = await revokeUserSessions(scope, target.id, 'revoked_by_admin');
  audit(scope, 'admin.sessions_revoked', { userId: target.id, actorId: actor.id, details: { count: revoked } });
  return revoked;
}

export async function resetMfa(scope: Scope, actor: User, target: User): Promise<void> {
  authorise(actor, 'users.reset_mfa', target);
  if (!target.mfaEnabled && !target.mfaSecret) {
    throw new ApiError('mfa_not_enabled', { detail: 'MFA is not enabled for this user' });
  }
  await removeMfa(scope, target, actor.id);
  audit(scope, 'admin.mfa_reset', { userId: target.id, actorId: actor.id });
}

/** Removes a lost or stolen passkey; like its owner, staff may not remove the last way to sign in. */
export async function deletePasskey(scope: Scope, actor: User, target: User, passkeyId: string): Promise<void> {
  authorise(actor, 'users.delete_passkey', target);
  const removal = await removeUserPasskey(scope, target.id, passkeyId, actor.id);
  if (!removal.removed) throw removalRefused(removal.reason);
}

/** The owner's own deletion (accounts/deletion.ts), started by staff: same grace, same cancel link. */
export async function startDeletion(scope: Scope, actor: User, target: User, reason?: string): Promise<Date> {
  authorise(actor, 'users.delete', target);
  return scheduleDeletion(scope, target, { kind: 'staff', actor, reason });
}
