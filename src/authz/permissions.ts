import { ROLES, type Role } from '../db/schema';

export const PERMISSIONS = [
  'users.read',
  'users.change_role',
  'users.suspend',
  'users.unlock',
  'users.resend_verification',
  'users.revoke_sessions',
  'users.reset_mfa',
  'users.delete_passkey',
  'audit.read',
  /** The LTI platform registry and its registration links (no target account). */
  'lti.manage',
  // Account self-service (issue 17): the owner's deletion, started for them.
  'users.delete',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const EVERYONE: readonly Role[] = ROLES;
const NOT_ADMINS: readonly Role[] = ROLES.filter((role) => role !== 'SUPER_ADMIN' && role !== 'ADMIN');
const STUDENTS: readonly Role[] = ['STUDENT', 'STUDENT_PREMIUM'];
/** What support may touch: learners and teaching staff, never other staff with admin powers. */
const SUPPORTED: readonly Role[] = [...STUDENTS, 'INSTRUCTOR', 'TEACHING_ASSISTANT', 'CONTENT_REVIEWER'];

/**
 * The one permission table: for each role, each permission it holds and the roles of the accounts
 * it may exercise it on. A permission absent from a role's row is denied.
 */
export const GRANTS: Record<Role, Partial<Record<Permission, readonly Role[]>>> = {
  SUPER_ADMIN: Object.fromEntries(PERMISSIONS.map((permission) => [permission, EVERYONE])),
  ADMIN: {
    ...Object.fromEntries(PERMISSIONS.map((permission) => [permission, NOT_ADMINS])),
    'users.read': EVERYONE,
    'audit.read': EVERYONE,
    'lti.manage': EVERYONE,
  },
  SUPPORT: {
    'users.read': EVERYONE,
    'users.unlock': SUPPORTED,
    'users.resend_verification': SUPPORTED,
    'users.revoke_sessions': SUPPORTED,
    'users.reset_mfa': SUPPORTED,
    'users.delete_passkey': SUPPORTED,
  },
  MODERATOR: {
    'users.read': EVERYONE,
    'users.suspend': STUDENTS,
  },
  INSTRUCTOR: {},
  STUDENT: {},
  STUDENT_PREMIUM: {},
  TEACHING_ASSISTANT: {},
  CONTENT_REVIEWER: {},
};

/** Roles each role may hand out through `users.change_role`. */
export const GRANTABLE_ROLES: Record<Role, readonly Role[]> = {
  SUPER_ADMIN: EVERYONE,
  ADMIN: NOT_ADMINS,
  SUPPORT: [],
  MODERATOR: [],
  INSTRUCTOR: [],
  STUDENT: [],
  STUDENT_PREMIUM: [],
  TEACHING_ASSISTANT: [],
  CONTENT_REVIEWER: [],
};

export function holds(role: Role, permission: Permission): boolean {
  return GRANTS[role][permission] !== undefined;
}

export type TargetDecision =
  | { allowed: true }
  | { allowed: false; reason: 'no_permission' | 'protected_target' | 'self' | 'role_not_grantable' };

/**
 * Permissions nobody exercises on their own account: an admin must not promote themselves, lock
 * themselves out, or strip their own second factor without the owner's checks of mfa/disable/, nor
 * delete their own account without those of me/delete/.
 */
const NOT_ON_SELF: readonly Permission[] = ['users.change_role', 'users.suspend', 'users.reset_mfa', 'users.delete'];

/** May `actor` exercise `permission` on `target`? */
export function mayActOn(
  actor: { id: string; role: Role },
  permission: Permission,
  target: { id: string; role: Role },
  newRole?: Role,
): TargetDecision {
  const targets = GRANTS[actor.role][permission];
  if (!targets) return { allowed: false, reason: 'no_permission' };
  if (NOT_ON_SELF.includes(permission) && actor.id === target.id) {
    return { allowed: false, reason: 'self' };
  }
  if (!targets.includes(target.role)) return { allowed: false, reason: 'protected_target' };
  if (newRole && !GRANTABLE_ROLES[actor.role].includes(newRole))
    return { allowed: false, reason: 'role_not_grantable' };
  return { allowed: true };
}
