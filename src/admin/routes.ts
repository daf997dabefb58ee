import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DeletionScheduled } from '../accounts/schemas';
import { toPublicUser } from '../accounts/users';
import type { Permission } from '../authz/permissions';
import type { AppEnv } from '../env';
import { requireAuth } from '../middleware/require-auth';
import { requirePermission } from '../middleware/require-permission';
import { errors, json, MessageBody, problem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { EmptyBody, SessionsRevoked } from '../sessions/schemas';
import {
  changeRole,
  deletePasskey,
  loadTarget,
  resendVerification,
  resetMfa,
  revokeSessions,
  setSuspended,
  startDeletion,
  unlock,
  userDetails,
} from './actions';
import { searchAudit } from './audit-query';
import {
  AuditPage,
  AuditQuery,
  DeletionReason,
  RoleChanged,
  RoleRequest,
  Suspended,
  SuspendRequest,
  UserDetails,
  UserIdParam,
  UserPage,
  UserPasskeyParams,
  UserSearchQuery,
} from './schemas';
import { searchUsers } from './users-query';

const adminErrors = (extras: Parameters<typeof errors>[0] = [], more: Parameters<typeof errors>[1] = {}) =>
  errors(['auth', ...extras], {
    403: problem('`forbidden` (role or target not allowed) or `mfa_required` (the session did not sign in with MFA)'),
    ...more,
  });

/** An admin route: Bearer, the permission, and the target user in the path when it has one. */
function adminRoute<R extends Omit<RouteConfig, 'security' | 'middleware' | 'tags'>>(permission: Permission, route: R) {
  return createRoute({
    ...route,
    tags: ['Admin'],
    security: [{ bearerAuth: [] }],
    middleware: [requireAuth(), requirePermission(permission)] as const,
  });
}

const emptyBody = { content: { 'application/json': { schema: EmptyBody } }, required: false };
const targetOf = (c: Context<AppEnv>) => loadTarget(scopeOf(c), c.req.param('id') ?? '');
const withTarget = { 404: problem('No such user') };

const listUsers = adminRoute('users.read', {
  method: 'get',
  operationId: 'searchUsers',
  path: '/admin/users',
  summary: 'Search users (email or username prefix, role, status), newest first',
  request: { query: UserSearchQuery },
  responses: { 200: json(UserPage, 'A page; pass next_cursor back as cursor'), ...adminErrors() },
});
const getUser = adminRoute('users.read', {
  method: 'get',
  operationId: 'getUserDetails',
  path: '/admin/users/{id}',
  summary: "One user's details: sessions, lock, MFA, providers, last sign-ins",
  request: { params: UserIdParam },
  responses: { 200: json(UserDetails, 'Details'), ...adminErrors([], withTarget) },
});
const role = adminRoute('users.change_role', {
  method: 'post',
  operationId: 'changeUserRole',
  path: '/admin/users/{id}/role',
  summary: 'Change the role (in force on the next request)',
  request: { params: UserIdParam, body: { content: { 'application/json': { schema: RoleRequest } }, required: true } },
  responses: { 200: json(RoleChanged, 'Changed'), ...adminErrors(['body'], withTarget) },
});
const suspend = adminRoute('users.suspend', {
  method: 'post',
  operationId: 'suspendUser',
  path: '/admin/users/{id}/suspend',
  summary: 'Suspend: every session ends, sign-in answers 403',
  request: {
    params: UserIdParam,
    body: { content: { 'application/json': { schema: SuspendRequest } }, required: false },
  },
  responses: { 200: json(Suspended, 'Suspended'), ...adminErrors(['body'], withTarget) },
});
const simple = (permission: Permission, path: string, operationId: string, summary: string, more = {}) =>
  adminRoute(permission, {
    method: 'post',
    operationId,
    path: `/admin/users/{id}/${path}`,
    summary,
    request: { params: UserIdParam, body: emptyBody },
    responses: { 200: json(MessageBody, 'Done'), ...adminErrors(['body'], { ...withTarget, ...more }) },
  });
const unsuspend = simple('users.suspend', 'unsuspend', 'unsuspendUser', 'Lift a suspension');
const unlockRoute = simple('users.unlock', 'unlock', 'unlockUser', 'Clear the lockout');
const resend = simple(
  'users.resend_verification',
  'resend-verification',
  'resendUserVerification',
  'Resend the verification email',
  {
    409: problem('Already verified'),
  },
);
const resetMfaRoute = simple('users.reset_mfa', 'reset-mfa', 'resetUserMfa', 'Turn MFA off for the user', {
  400: problem('`mfa_not_enabled`'),
});
const revoke = adminRoute('users.revoke_sessions', {
  method: 'post',
  operationId: 'revokeUserSessions',
  path: '/admin/users/{id}/revoke-sessions',
  summary: "Revoke all the user's sessions",
  request: { params: UserIdParam, body: emptyBody },
  responses: { 200: json(SessionsRevoked, 'Revoked'), ...adminErrors(['body'], withTarget) },
});
const deletePasskeyRoute = adminRoute('users.delete_passkey', {
  method: 'delete',
  operationId: 'deleteUserPasskey',
  path: '/admin/users/{id}/passkeys/{pid}',
  summary: "Delete one of the user's passkeys (lost or stolen device)",
  request: { params: UserPasskeyParams },
  responses: {
    200: json(MessageBody, 'Deleted'),
    ...adminErrors([], {
      400: problem('`last_sign_in_method` (the user has no other way to sign in), or invalid ids'),
      404: problem('No such user, or no such passkey of this user'),
    }),
  },
});
const deleteUser = adminRoute('users.delete', {
  method: 'post',
  operationId: 'deleteUser',
  path: '/admin/users/{id}/delete',
  summary: "Start the user's account deletion (as if they asked: grace period, cancel link emailed)",
  description:
    'Every session of the user ends at once and sign-in answers `403 account_pending_deletion`; the user is emailed a link that cancels the deletion within ACCOUNT_DELETION_GRACE; then the nightly job erases the account.',
  request: {
    params: UserIdParam,
    body: { content: { 'application/json': { schema: DeletionReason } }, required: false },
  },
  responses: {
    202: json(DeletionScheduled, 'Scheduled'),
    ...adminErrors(['body'], { ...withTarget, 409: problem('`deletion_pending`: already scheduled') }),
  },
});
const audit = adminRoute('audit.read', {
  method: 'get',
  operationId: 'readAuditLog',
  path: '/admin/audit',
  summary: 'Read the audit log, newest first',
  request: { query: AuditQuery },
  responses: { 200: json(AuditPage, 'A page'), ...adminErrors() },
});

export const adminRoutes = routes()
  .openapi(listUsers, async (c) => {
    const { page, nextCursor } = await searchUsers(scopeOf(c).db, c.req.valid('query'));
    return c.json({ users: page.map(toPublicUser), next_cursor: nextCursor }, 200);
  })
  .openapi(getUser, async (c) => c.json(await userDetails(scopeOf(c), c.get('auth').user, await targetOf(c)), 200))
  .openapi(role, async (c) => {
    const updated = await changeRole(scopeOf(c), c.get('auth').user, await targetOf(c), c.req.valid('json').role);
    return c.json({ user: toPublicUser(updated), message: 'Role changed successfully' }, 200);
  })
  .openapi(suspend, async (c) => {
    const { reason } = c.req.valid('json');
    const revoked = await setSuspended(scopeOf(c), c.get('auth').user, await targetOf(c), true, reason);
    return c.json({ message: 'User suspended', sessions_revoked: revoked }, 200);
  })
  .openapi(unsuspend, async (c) => {
    await setSuspended(scopeOf(c), c.get('auth').user, await targetOf(c), false);
    return c.json({ message: 'User unsuspended' }, 200);
  })
  .openapi(unlockRoute, async (c) => {
    await unlock(scopeOf(c), c.get('auth').user, await targetOf(c));
    return c.json({ message: 'Account unlocked' }, 200);
  })
  .openapi(resend, async (c) => {
    await resendVerification(scopeOf(c), c.get('auth').user, await targetOf(c));
    return c.json({ message: 'Verification email sent' }, 200);
  })
  .openapi(revoke, async (c) => {
    const revoked = await revokeSessions(scopeOf(c), c.get('auth').user, await targetOf(c));
    return c.json({ message: `${revoked} sessions revoked successfully`, revoked }, 200);
  })
  .openapi(resetMfaRoute, async (c) => {
    await resetMfa(scopeOf(c), c.get('auth').user, await targetOf(c));
    return c.json({ message: 'MFA reset' }, 200);
  })
  .openapi(deletePasskeyRoute, async (c) => {
    await deletePasskey(scopeOf(c), c.get('auth').user, await targetOf(c), c.req.valid('param').pid);
    return c.json({ message: 'Passkey deleted' }, 200);
  })
  .openapi(deleteUser, async (c) => {
    const { reason } = c.req.valid('json');
    const dueAt = await startDeletion(scopeOf(c), c.get('auth').user, await targetOf(c), reason);
    return c.json(
      {
        message: 'The account will be deleted; the user was emailed a link to cancel',
        deletion_due_at: dueAt.toISOString(),
      },
      202,
    );
  })
  .openapi(audit, async (c) => c.json(await searchAudit(scopeOf(c).db, c.req.valid('query')), 200));
