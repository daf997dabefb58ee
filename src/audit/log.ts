import { auditLog } from '../db/schema';
import type { Scope } from '../scope';

export type AuditEvent =
  | 'user.registered'
  | 'user.email_verified'
  | 'user.registration_declined'
  | 'user.unverified_claim_removed'
  | 'login.succeeded'
  | 'login.failed'
  | 'login.suspicious'
  | 'logout'
  | 'session.revoked'
  | 'session.refresh_reuse'
  | 'account.locked'
  | 'password.reset_requested'
  | 'password.reset'
  | 'password.changed'
  | 'mfa.enable_started'
  | 'mfa.enabled'
  | 'mfa.disabled'
  | 'mfa.backup_codes_regenerated'
  | 'mfa.backup_code_used'
  | 'admin.role_changed'
  | 'admin.user_suspended'
  | 'admin.user_unsuspended'
  | 'admin.user_unlocked'
  | 'admin.verification_resent'
  | 'admin.sessions_revoked'
  | 'admin.mfa_reset'
  | 'oauth.linked'
  | 'oauth.unlinked'
  | 'passkey.registered'
  | 'passkey.renamed'
  | 'passkey.deleted'
  | 'passkey.clone_detected'
  | 'admin.passkey_deleted'
  // LTI 1.3 tool (issue 18)
  | 'lti.platform_created'
  | 'lti.platform_updated'
  | 'lti.platform_deleted'
  | 'lti.registration_link_created'
  | 'lti.platform_registered'
  | 'lti.registration_refused'
  | 'lti.login_refused'
  | 'lti.launch_refused'
  | 'lti.deployment_adopted'
  | 'lti.linked'
  // Account self-service (issue 17).
  | 'user.profile_updated'
  | 'user.email_change_requested'
  | 'user.email_changed'
  | 'user.data_exported'
  | 'account.deletion_requested'
  | 'account.deletion_cancelled'
  | 'account.erased'
  | 'admin.user_deletion_requested';

/**
 * Records a security event. `details` holds ids, reasons and counts only: callers never pass a
 * password, token or code, and the keys below are stripped as a second line of defence.
 */
export function audit(
  scope: Scope,
  event: AuditEvent,
  entry: { userId?: string | null; actorId?: string | null; details?: Record<string, unknown> },
): void {
  const details = entry.details ? redact(entry.details) : null;
  scope.defer(
    scope.db.insert(auditLog).values({
      event,
      userId: entry.userId ?? null,
      actorId: entry.actorId ?? entry.userId ?? null,
      ipAddress: scope.client.ip,
      userAgent: scope.client.userAgent,
      details,
      createdAt: new Date(),
    }),
  );
}

const SECRET_KEY = /pass|token|secret|code|key|otp/i;

function redact(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([key]) => !SECRET_KEY.test(key)));
}
