import { createRoute } from '@hono/zod-openapi';
import { answerProblem } from '../middleware/error-response';
import { byClientIp, rateLimit } from '../middleware/rate-limit';
import { errors, json, problem, ValidationProblem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { refreshCookieHeader } from '../sessions/schemas';
import { completeSignIn } from './complete';
import { mfaRequiredProblem } from './mfa-step';
import { signInWithPassword } from './password';
import { LoginRequest, LoginResponse } from './schemas';

const login = createRoute({
  method: 'post',
  operationId: 'signIn',
  path: '/login',
  tags: ['Sign-in'],
  summary: 'Sign in with email and password',
  description:
    'A user with MFA gets 428 with a single-use `mfa_token`: continue at `login/mfa/`. Five consecutive failures lock the email for 30 minutes (423).',
  middleware: [rateLimit('loginPerIp', byClientIp, { alongside: true })] as const,
  request: { body: { content: { 'application/json': { schema: LoginRequest } }, required: true } },
  responses: {
    200: { ...json(LoginResponse, 'Signed in: a new session'), headers: refreshCookieHeader },
    ...errors(['body', 'rateLimited', 'locked', 'mfaRequired'], {
      400: problem(
        '`invalid_credentials`: unknown email or wrong password (the same answer for both; 400, not 401, so that an SPA refreshing on 401 shows it), or invalid input',
        ValidationProblem,
      ),
      403: problem('`email_not_verified`, `account_suspended`, `account_disabled` or `account_pending_deletion`'),
    }),
  },
});

export const signInRoutes = routes().openapi(login, async (c) => {
  const scope = scopeOf(c);
  const { email, password, remember_me } = c.req.valid('json');
  const outcome = await signInWithPassword(scope, email, password, c.get('admission'));
  if (outcome.kind === 'mfa_required') return answerProblem(c, mfaRequiredProblem(outcome));
  const body = await completeSignIn(scope, outcome.user, {
    rememberMe: remember_me,
    method: 'password',
    amr: outcome.amr,
  });
  return c.json(body, 200);
});
