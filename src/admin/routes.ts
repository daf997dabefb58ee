import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { requireAuth } from '../auth/require-auth';
import { emptyBody } from '../auth/schemas';
import { requirePermission } from '../authz/require-permission';
import { ROLES } from '../db/schema';
import type { AppEnv } from '../env';
import { validate } from '../http/validate';
import { scopeOf } from '../scope';
import { toPublicUser } from '../users/users';
import { searchAudit } from './audit-query';
import {
  changeRole,
  loadTarget,
  resendVerification,
  resetMfa,
  revokeSessions,
  setSuspended,
  unlock,
  userDetails,
} from './service';
import { searchUsers } from './users-query';

const limit = z.coerce.number().int().min(1).max(100).default(50);
const userSearch = z.object({
  q: z.string().trim().min(1).max(254).optional(),
  role: z.enum(ROLES).optional(),
  status: z.enum(['active', 'suspended', 'unverified', 'disabled']).optional(),
  cursor: z.string().max(200).optional(),
  limit,
});
const auditSearch = z.object({
  user_id: z.uuid().optional(),
  actor_id: z.uuid().optional(),
  event: z.string().max(64).optional(),
  from: z.iso
    .datetime()
    .transform((value) => new Date(value))
    .optional(),
  to: z.iso
    .datetime()
    .transform((value) => new Date(value))
    .optional(),
  cursor: z.string().max(200).optional(),
  limit,
});
const roleBody = z.strictObject({ role: z.enum(ROLES) });
const suspendBody = z.strictObject({ reason: z.string().trim().max(500).optional() });

/** Loads the target named in the path for the handler (404 when unknown). */
const target = (c: Context<AppEnv>) => loadTarget(scopeOf(c), c.req.param('id') ?? '');

export const adminRoutes = new Hono<AppEnv>()
  .use(requireAuth())
  .get('/users', requirePermission('users.read'), validate('query', userSearch), async (c) => {
    const { page, nextCursor } = await searchUsers(scopeOf(c).db, c.req.valid('query'));
    return c.json({ users: page.map(toPublicUser), next_cursor: nextCursor });
  })
  .get('/users/:id', requirePermission('users.read'), async (c) => {
    return c.json(await userDetails(scopeOf(c), c.get('auth').user, await target(c)));
  })
  .post('/users/:id/role', requirePermission('users.change_role'), validate('json', roleBody), async (c) => {
    const updated = await changeRole(scopeOf(c), c.get('auth').user, await target(c), c.req.valid('json').role);
    return c.json({ user: toPublicUser(updated), message: 'Role changed successfully' });
  })
  .post('/users/:id/suspend', requirePermission('users.suspend'), validate('json', suspendBody), async (c) => {
    const revoked = await setSuspended(
      scopeOf(c),
      c.get('auth').user,
      await target(c),
      true,
      c.req.valid('json').reason,
    );
    return c.json({ message: 'User suspended', sessions_revoked: revoked });
  })
  .post('/users/:id/unsuspend', requirePermission('users.suspend'), validate('json', emptyBody), async (c) => {
    await setSuspended(scopeOf(c), c.get('auth').user, await target(c), false);
    return c.json({ message: 'User unsuspended' });
  })
  .post('/users/:id/unlock', requirePermission('users.unlock'), validate('json', emptyBody), async (c) => {
    await unlock(scopeOf(c), c.get('auth').user, await target(c));
    return c.json({ message: 'Account unlocked' });
  })
  .post(
    '/users/:id/resend-verification',
    requirePermission('users.resend_verification'),
    validate('json', emptyBody),
    async (c) => {
      await resendVerification(scopeOf(c), c.get('auth').user, await target(c));
      return c.json({ message: 'Verification email sent' });
    },
  )
  .post(
    '/users/:id/revoke-sessions',
    requirePermission('users.revoke_sessions'),
    validate('json', emptyBody),
    async (c) => {
      const revoked = await revokeSessions(scopeOf(c), c.get('auth').user, await target(c));
      return c.json({ message: `${revoked} sessions revoked successfully`, revoked });
    },
  )
  .post('/users/:id/reset-mfa', requirePermission('users.reset_mfa'), validate('json', emptyBody), async (c) => {
    await resetMfa(scopeOf(c), c.get('auth').user, await target(c));
    return c.json({ message: 'MFA reset' });
  })
  .get('/audit', requirePermission('audit.read'), validate('query', auditSearch), async (c) => {
    return c.json(await searchAudit(scopeOf(c).db, c.req.valid('query')));
  });
