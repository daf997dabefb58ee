import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { holds, type Permission } from './permissions';

/**
 * Guards an admin route (after requireAuth): the caller's role must hold `permission`, and roles
 * listed in ADMIN_MFA_REQUIRED_ROLES must have MFA on, since a stolen admin password alone must not
 * open the admin API. Which accounts the action may touch is checked by the service (mayActOn).
 */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async function requirePermission(c, next) {
    const { user } = c.get('auth');
    if (!holds(user.role, permission)) {
      throw new ApiError('forbidden', `Your role (${user.role}) may not do this`);
    }
    if (c.get('config').adminMfaRequiredRoles.includes(user.role) && !user.mfaEnabled) {
      throw new ApiError('mfa_required', 'Turn on two-factor authentication to use the admin API', {}, {}, 403);
    }
    await next();
  };
}
