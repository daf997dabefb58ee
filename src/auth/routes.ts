import { Hono } from 'hono';
import { audit } from '../audit/log';
import type { AppEnv } from '../env';
import { byBodyEmail, byClientIp, rateLimit } from '../guard/guard';
import { validate } from '../http/validate';
import { requireMfaStep } from '../mfa/challenge';
import { signInWithMfa } from '../mfa/login';
import { scopeOf } from '../scope';
import { revokeSession } from '../sessions/sessions';
import { toPublicUser } from '../users/users';
import { completeSignIn, refreshSession, signInWithPassword } from './login';
import { declineRegistration, register, resendVerification, verifyEmail } from './registration';
import { requireAuth } from './require-auth';
import { emailBody, emptyBody, loginBody, mfaLoginBody, refreshBody, registerBody, tokenBody } from './schemas';

export const authRoutes = new Hono<AppEnv>()
  .post('/register', rateLimit('registerPerIp', byClientIp), validate('json', registerBody), async (c) => {
    const user = await register(scopeOf(c), c.req.valid('json'), c.req.header('Accept-Language'));
    return c.json({ user: toPublicUser(user), message: 'Registration successful. Please verify your email.' }, 201);
  })
  .post('/verify-email', validate('json', tokenBody), async (c) => {
    await verifyEmail(scopeOf(c), c.req.valid('json').token);
    return c.json({ message: 'Email verified successfully' });
  })
  .post('/verify-email/decline', rateLimit('resetPerIp', byClientIp), validate('json', tokenBody), async (c) => {
    await declineRegistration(scopeOf(c), c.req.valid('json').token);
    return c.json({ message: 'The account was deleted; this email address is free again' });
  })
  .post(
    '/verify-email/resend',
    validate('json', emailBody),
    rateLimit('verifyResendPerEmail', byBodyEmail),
    async (c) => {
      await resendVerification(scopeOf(c), c.req.valid('json').email);
      return c.json({ message: 'If the account exists and is not verified, a new verification email has been sent' });
    },
  )
  .post('/login', rateLimit('loginPerIp', byClientIp), validate('json', loginBody), async (c) => {
    const scope = scopeOf(c);
    const { email, password, remember_me } = c.req.valid('json');
    const user = await signInWithPassword(scope, email, password);
    await requireMfaStep(scope, user, 'password');
    return c.json(
      await completeSignIn(scope, user, { rememberMe: remember_me, method: 'password', amr: ['password'] }),
    );
  })
  .post('/login/mfa', rateLimit('loginPerIp', byClientIp), validate('json', mfaLoginBody), async (c) => {
    const scope = scopeOf(c);
    const input = c.req.valid('json');
    const { user, amr } = await signInWithMfa(scope, input);
    return c.json(await completeSignIn(scope, user, { rememberMe: input.remember_me, method: 'mfa', amr }));
  })
  .post('/refresh', rateLimit('refreshPerIp', byClientIp), validate('json', refreshBody), async (c) => {
    return c.json(await refreshSession(scopeOf(c), c.req.valid('json').refresh_token));
  })
  .post('/logout', requireAuth(), validate('json', emptyBody), async (c) => {
    const scope = scopeOf(c);
    const { user, session } = c.get('auth');
    await revokeSession(scope, session.id, 'logout');
    audit(scope, 'logout', { userId: user.id, details: { session_id: session.id } });
    return c.json({ message: 'Logout successful' });
  })
  .get('/me', requireAuth(), (c) => c.json(toPublicUser(c.get('auth').user)));
