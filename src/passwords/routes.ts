import { createRoute } from '@hono/zod-openapi';
import { EmailRequest } from '../accounts/schemas';
import { normaliseEmail } from '../accounts/users';
import { consumeRateLimit } from '../guard/guard';
import { byClientIp, byUser, rateLimit } from '../middleware/rate-limit';
import { requireAuth } from '../middleware/require-auth';
import { errors, json, MessageBody, problem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { changePassword, requestPasswordReset, resetPassword } from './lifecycle';
import { ChangeRequest, ResetRequest } from './schemas';

const body = <T>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });

const requestReset = createRoute({
  method: 'post',
  operationId: 'requestPasswordReset',
  path: '/password/request-reset',
  tags: ['Passwords'],
  summary: 'Email a reset link (the same answer, in about the same time, for unknown emails)',
  middleware: [rateLimit('resetPerIp', byClientIp)] as const,
  request: { body: body(EmailRequest) },
  responses: { 200: json(MessageBody, 'Generic answer'), ...errors(['body', 'rateLimited']) },
});

const reset = createRoute({
  method: 'post',
  operationId: 'resetPassword',
  path: '/password/reset',
  tags: ['Passwords'],
  summary: 'Set a new password with the emailed token; signs out every session',
  middleware: [rateLimit('resetPerIp', byClientIp)] as const,
  request: { body: body(ResetRequest) },
  responses: {
    200: json(MessageBody, 'Password reset'),
    ...errors(['body', 'rateLimited'], { 400: problem('`invalid_token`, or the new password breaks the policy') }),
  },
});

const change = createRoute({
  method: 'post',
  operationId: 'changePassword',
  path: '/password/change',
  tags: ['Passwords'],
  summary: 'Change the password; signs out every other session',
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth()] as const,
  request: { body: body(ChangeRequest) },
  responses: {
    200: json(MessageBody, 'Changed'),
    ...errors(['auth', 'body', 'rateLimited', 'locked'], {
      400: problem('`invalid_password` (400, not 401: the caller is signed in), or the policy is broken'),
    }),
  },
});

export const passwordRoutes = routes()
  .openapi(requestReset, async (c) => {
    const scope = scopeOf(c);
    const { email } = c.req.valid('json');
    // Per email, so it needs the validated body: counted here, before any work.
    const limit = await consumeRateLimit(scope, 'resetPerEmail', normaliseEmail(email));
    await requestPasswordReset(scope, email);
    return c.json({ message: 'If the email exists, a reset link has been sent' }, 200, limit);
  })
  .openapi(reset, async (c) => {
    const { token, new_password, new_password_confirm } = c.req.valid('json');
    await resetPassword(scopeOf(c), token, new_password, new_password_confirm);
    return c.json({ message: 'Password reset successful' }, 200);
  })
  .openapi(change, async (c) => {
    const { user, session } = c.get('auth');
    const scope = scopeOf(c);
    // Every guess costs a hash: counted per account, after the body is known to be well formed.
    await consumeRateLimit(scope, 'reauthPerAccount', byUser(c));
    await changePassword(scope, user, session.id, c.req.valid('json'));
    return c.json({ message: 'Password changed successfully' }, 200);
  });
