import { createRoute } from '@hono/zod-openapi';
import { EmailRequest } from '../accounts/schemas';
import { normaliseEmail, toPublicUser } from '../accounts/users';
import { consumeRateLimit } from '../guard/guard';
import { byClientIp, rateLimit } from '../middleware/rate-limit';
import { errors, json, MessageBody, problem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { TokenRequest } from '../tokens/schemas';
import { declineRegistration, register, resendVerification, verifyEmail } from './registration';
import { RegisterRequest, RegisterResponse } from './schemas';

const body = <T>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });

const registerRoute = createRoute({
  method: 'post',
  operationId: 'register',
  path: '/register',
  tags: ['Registration'],
  summary: 'Create an account (STUDENT or INSTRUCTOR) and send the verification email',
  middleware: [rateLimit('registerPerIp', byClientIp)] as const,
  request: { body: body(RegisterRequest) },
  responses: {
    201: json(RegisterResponse, 'Created; the email must be verified before signing in'),
    ...errors(['body', 'rateLimited'], { 409: problem('`email_taken` or `username_taken`') }),
  },
});

const verify = createRoute({
  method: 'post',
  operationId: 'verifyEmail',
  path: '/verify-email',
  tags: ['Registration'],
  summary: 'Verify the email with the emailed token (single use, 24 h)',
  request: { body: body(TokenRequest) },
  responses: {
    200: json(MessageBody, 'Verified'),
    ...errors(['body'], { 400: problem('`invalid_token` (unknown, used or expired), or invalid input') }),
  },
});

const decline = createRoute({
  method: 'post',
  operationId: 'declineRegistration',
  path: '/verify-email/decline',
  tags: ['Registration'],
  summary: '"This wasn\'t me": delete the unverified account the emailed token belongs to',
  middleware: [rateLimit('resetPerIp', byClientIp)] as const,
  request: { body: body(TokenRequest) },
  responses: {
    200: json(MessageBody, 'Deleted; the address is free again'),
    ...errors(['body', 'rateLimited'], {
      400: problem('`invalid_token` (unknown, used, expired, or the account was verified), or invalid input'),
    }),
  },
});

const resend = createRoute({
  method: 'post',
  operationId: 'resendVerification',
  path: '/verify-email/resend',
  tags: ['Registration'],
  summary: 'Send a new verification link (the same answer whether or not the account exists)',
  request: { body: body(EmailRequest) },
  responses: { 200: json(MessageBody, 'Generic answer'), ...errors(['body', 'rateLimited']) },
});

export const registrationRoutes = routes()
  .openapi(registerRoute, async (c) => {
    const user = await register(scopeOf(c), c.req.valid('json'), c.req.header('Accept-Language'));
    return c.json({ user: toPublicUser(user), message: 'Registration successful. Please verify your email.' }, 201);
  })
  .openapi(verify, async (c) => {
    await verifyEmail(scopeOf(c), c.req.valid('json').token);
    return c.json({ message: 'Email verified successfully' }, 200);
  })
  .openapi(decline, async (c) => {
    await declineRegistration(scopeOf(c), c.req.valid('json').token);
    return c.json({ message: 'The account was deleted; this email address is free again' }, 200);
  })
  .openapi(resend, async (c) => {
    const scope = scopeOf(c);
    const { email } = c.req.valid('json');
    // Per email, so it needs the validated body: counted here, before any work.
    const limit = await consumeRateLimit(scope, 'verifyResendPerEmail', normaliseEmail(email));
    await resendVerification(scope, email);
    return c.json(
      { message: 'If the account exists and is not verified, a new verification email has been sent' },
      200,
      limit,
    );
  });
