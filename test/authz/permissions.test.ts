import { describe, expect, it } from 'vitest';
import { mayActOn, PERMISSIONS, type Permission } from '../../src/authz/permissions';
import { ROLES, type Role } from '../../src/db/schema';

/**
 * The rules of the issue, restated independently of the table in src/authz/permissions.ts, so
 * that a slip in the table shows up as a disagreement here.
 */
function expected(actor: Role, permission: Permission, target: Role, self: boolean, newRole?: Role): boolean {
  const isAdminAccount = (role: Role) => role === 'SUPER_ADMIN' || role === 'ADMIN';
  // Support helps learners and teaching staff only (not other support, moderators or admins).
  const supported: Role[] = ['STUDENT', 'STUDENT_PREMIUM', 'INSTRUCTOR', 'TEACHING_ASSISTANT', 'CONTENT_REVIEWER'];
  if (self && ['users.change_role', 'users.suspend', 'users.reset_mfa', 'users.delete'].includes(permission)) {
    return false;
  }
  switch (actor) {
    case 'SUPER_ADMIN':
      return true;
    case 'ADMIN':
      if (permission === 'users.read' || permission === 'audit.read' || permission === 'lti.manage') return true;
      if (isAdminAccount(target)) return false;
      return permission !== 'users.change_role' || (newRole !== undefined && !isAdminAccount(newRole));
    case 'SUPPORT':
      if (permission === 'users.read') return true;
      return (
        [
          'users.unlock',
          'users.resend_verification',
          'users.revoke_sessions',
          'users.reset_mfa',
          'users.delete_passkey',
        ].includes(permission) && supported.includes(target)
      );
    case 'MODERATOR':
      if (permission === 'users.read') return true;
      return permission === 'users.suspend' && (target === 'STUDENT' || target === 'STUDENT_PREMIUM');
    default:
      return false;
  }
}

describe('the permission table', () => {
  it('agrees with the rules for every role, action, target role and granted role', () => {
    let checked = 0;
    for (const actor of ROLES) {
      for (const permission of PERMISSIONS) {
        for (const target of ROLES) {
          for (const self of [false, true]) {
            const newRoles: Array<Role | undefined> = permission === 'users.change_role' ? [...ROLES] : [undefined];
            for (const newRole of newRoles) {
              const decision = mayActOn(
                { id: 'actor', role: actor },
                permission,
                { id: self ? 'actor' : 'target', role: self ? actor : target },
                newRole,
              );
              const want = expected(actor, permission, self ? actor : target, self, newRole);
              expect(decision.allowed, `${actor} ${permission} on ${self ? 'self' : target} -> ${newRole ?? ''}`).toBe(
                want,
              );
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBe(9 * (PERMISSIONS.length - 1) * 9 * 2 + 9 * 9 * 2 * 9);
    expect(PERMISSIONS).toHaveLength(11);
  });
});
