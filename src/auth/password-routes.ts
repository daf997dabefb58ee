import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { byBodyEmail, byClientIp, rateLimit } from '../guard/guard';
import { validate } from '../http/validate';
import { scopeOf } from '../scope';
import { changePassword, requestPasswordReset, resetPassword } from './password-lifecycle';
import { requireAuth } from './require-auth';
import { changePasswordBody, emailBody, resetBody } from './schemas';

export const passwordRoutes = new Hono<AppEnv>()
  .post(
    '/request-reset',
    rateLimit('resetPerIp', byClientIp),
    validate('json', emailBody),
    rateLimit('resetPerEmail', byBodyEmail),
    async (c) => {
      await requestPasswordReset(scopeOf(c), c.req.valid('json').email);
      return c.json({ message: 'If the email exists, a reset link has been sent' });
    },
  )
  .post('/reset', rateLimit('resetPerIp', byClientIp), validate('json', resetBody), async (c) => {
    const { token, new_password, new_password_confirm } = c.req.valid('json');
    await resetPassword(scopeOf(c), token, new_password, new_password_confirm);
    return c.json({ message: 'Password reset successful' });
  })
  .post(
    '/change',
    requireAuth(),
    validate('json', changePasswordBody),
    rateLimit('reauthPerAccount', (c) => c.get('auth').user.id),
    async (c) => {
      const { user, session } = c.get('auth');
      await changePassword(scopeOf(c), user, session.id, c.req.valid('json'));
      return c.json({ message: 'Password changed successfully' });
    },
  );
