import type { MiddlewareHandler } from 'hono';
import { holds, type Permission } from '../authz/permissions';
import type { AuthMethod } from '../db/schema';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';

/** Sign-in methods that prove more than one factor by themselves. */
const STRONG_METHODS: readonly AuthMethod[] = ['mfa', 'passkey'];

/**
 * Guards an admin route (after requireAuth): the caller's role must hold `permission`, and for roles
 * listed in ADMIN_MFA_REQUIRED_ROLES the *session* must have signed in with a second factor: an
 * account flag is not enough, since a session opened with the password alone before MFA was turned
 * on would otherwise gain the admin API. Which accounts the action may touch is checked by the
 * service (mayActOn).
 */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async function requirePermission(c, next) {
    const { user, session } = c.get('auth');
    if (!holds(user.role, permission)) {
      throw new ApiError('forbidden', { detail: `Your role (${user.role}) may not do this`, reason: 'no_permission' });
    }
    const strong = session.amr.some((method) => STRONG_METHODS.includes(method));
    if (c.get('config').adminMfaRequiredRoles.includes(user.role) && !strong) {
      throw new ApiError('mfa_required', {
        detail: user.mfaEnabled
          ? 'Sign in again with your second factor to use the admin API'
          : 'Turn on two-factor authentication, then sign in with it, to use the admin API',
        status: 403,
        reason: 'session_without_second_factor',
      });
    }
    await next();
  };
}
