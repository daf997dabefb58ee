import { z } from '@hono/zod-openapi';
import { PublicUser } from '../accounts/schemas';
import { OAUTH_PROVIDERS, ROLES } from '../db/schema';
import { PasskeyView } from '../passkeys/schemas';
import { SessionView } from '../sessions/schemas';

const limit = z.coerce.number().int().min(1).max(100).default(50);
const query = (name: string) => ({ param: { name, in: 'query' as const } });

export const UserSearchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(254)
    .optional()
    .openapi({ ...query('q'), description: 'Email or username prefix' }),
  role: z.enum(ROLES).optional().openapi(query('role')),
  status: z.enum(['active', 'suspended', 'unverified', 'disabled']).optional().openapi(query('status')),
  cursor: z.string().max(200).optional().openapi(query('cursor')),
  limit: limit.openapi(query('limit')),
});

const isoTime = z.iso.datetime().transform((value) => new Date(value));

export const AuditQuery = z.object({
  user_id: z.uuid().optional().openapi(query('user_id')),
  actor_id: z.uuid().optional().openapi(query('actor_id')),
  event: z.string().max(64).optional().openapi(query('event')),
  from: isoTime.optional().openapi({ ...query('from'), type: 'string', format: 'date-time' }),
  to: isoTime.optional().openapi({ ...query('to'), type: 'string', format: 'date-time' }),
  cursor: z.string().max(200).optional().openapi(query('cursor')),
  limit: limit.openapi(query('limit')),
});

export const UserIdParam = z.object({
  id: z.uuid({ message: 'Must be a user id (UUID)' }).openapi({ param: { name: 'id', in: 'path' } }),
});

export const UserPasskeyParams = UserIdParam.extend({
  pid: z.uuid({ message: 'Must be a passkey id (UUID)' }).openapi({ param: { name: 'pid', in: 'path' } }),
});

export const RoleRequest = z.strictObject({ role: z.enum(ROLES) }).openapi('RoleRequest');
export const SuspendRequest = z
  .strictObject({ reason: z.string().trim().max(500).optional() })
  .openapi('SuspendRequest');

export const DeletionReason = z
  .strictObject({ reason: z.string().trim().max(500).optional().openapi({ description: 'Kept in the audit log' }) })
  .openapi('DeletionReason', { example: { reason: 'Parental request, ticket 4711' } });

export const UserPage = z
  .object({ users: z.array(PublicUser), next_cursor: z.string().nullable() })
  .openapi('UserPage');

const AdminPasskeyView = PasskeyView.extend({
  aaguid: z.string().openapi({ description: 'Authenticator model (all zeros when the browser hid it)' }),
}).openapi('AdminPasskey', {
  example: {
    id: '3d0b2c1a-9e8f-4a7b-8c6d-5e4f3a2b1c0d',
    name: 'Chrome on macOS',
    created_at: '2026-11-30T08:05:00.000Z',
    last_used_at: null,
    backed_up: true,
    device_type: 'multiDevice',
    aaguid: '00000000-0000-0000-0000-000000000000',
  },
});

export const UserDetails = z
  .object({
    user: PublicUser,
    has_password: z.boolean(),
    lock: z.object({ failed_attempts: z.number().int(), locked_until: z.iso.datetime().nullable() }),
    mfa_enabled: z.boolean(),
    linked_providers: z.array(z.object({ provider: z.enum(OAUTH_PROVIDERS), linked_at: z.iso.datetime() })),
    passkeys: z.array(AdminPasskeyView),
    sessions: z.array(SessionView),
    last_logins: z.array(
      z.object({
        success: z.boolean(),
        failure_reason: z.string().nullable(),
        method: z.string(),
        method_detail: z.string().nullable().openapi({ description: 'The LTI platform, for method `lti`' }),
        ip_address: z.string().nullable(),
        location: z.string().nullable(),
        device: z.string(),
        browser: z.string().nullable(),
        suspicious: z.boolean(),
        login_at: z.iso.datetime(),
      }),
    ),
  })
  .openapi('UserDetails');

export const RoleChanged = z.object({ user: PublicUser, message: z.string() }).openapi('RoleChanged');
export const Suspended = z.object({ message: z.string(), sessions_revoked: z.number().int() }).openapi('Suspended');

export const AuditPage = z
  .object({
    entries: z.array(
      z.object({
        id: z.uuid(),
        event: z.string(),
        user_id: z.string().nullable(),
        actor_id: z.string().nullable(),
        ip_address: z.string().nullable(),
        user_agent: z.string().nullable(),
        details: z.record(z.string(), z.unknown()).nullable(),
        created_at: z.iso.datetime(),
      }),
    ),
    next_cursor: z.string().nullable(),
  })
  .openapi('AuditPage');
