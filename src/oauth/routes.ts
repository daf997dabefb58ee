import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { assertReauthenticated } from '../credentials/reauthentication';
import type { OAuthProvider } from '../db/schema';
import type { AppEnv } from '../env';
import { answerProblem } from '../middleware/error-response';
import { byClientIp, rateLimit } from '../middleware/rate-limit';
import { requireAuth } from '../middleware/require-auth';
import { errors, json, MessageBody, problem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { refreshCookieHeader } from '../sessions/schemas';
import { completeSignIn } from '../sign-in/complete';
import { mfaRequiredProblem } from '../sign-in/mfa-step';
import { linkProvider, revokeLinkFromEmail, unlinkProvider } from './links';
import { SIGN_IN_METHOD } from './profile';
import { type AuthorizationGrant, providerName } from './provider';
import {
  GitHubSignInRequest,
  GoogleSignInRequest,
  grantOf,
  LinkRequest,
  OAuthSignInResponse,
  RevokeLinkRequest,
  UnlinkRequest,
} from './schemas';
import { signInWithOAuth } from './sign-in';

const body = <T>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });
const bearer = [{ bearerAuth: [] }];

const providerErrors = {
  400: problem('`invalid_oauth_code`, `oauth_email_unverified`, or invalid input (`redirect_uri` not allowed)'),
  403: problem('`email_not_verified`, `account_suspended`, `account_disabled` or `account_pending_deletion`'),
  409: problem('`provider_already_linked`: the account with this email is linked to another provider account'),
  501: problem('`provider_not_configured`'),
  502: problem('`provider_unavailable`: the provider failed or did not answer in time'),
};

const signInRoute = (provider: OAuthProvider, schema: typeof GoogleSignInRequest | typeof GitHubSignInRequest) =>
  createRoute({
    method: 'post',
    operationId: `signInWith${providerName(provider)}`,
    path: `/oauth/${provider.toLowerCase()}`,
    tags: ['Sign-in'],
    summary: `Sign in with ${providerName(provider)} (authorization-code exchange)`,
    middleware: [rateLimit('loginPerIp', byClientIp)] as const,
    request: { body: body(schema) },
    responses: {
      200: { ...json(OAuthSignInResponse, 'Signed in (and perhaps created)'), headers: refreshCookieHeader },
      ...errors(['body', 'rateLimited', 'locked', 'mfaRequired'], providerErrors),
    },
  });

const link = createRoute({
  method: 'post',
  operationId: 'linkProvider',
  path: '/oauth/link',
  tags: ['Providers'],
  summary: 'Link a provider account to the signed-in user (the owner is emailed)',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { body: body(LinkRequest) },
  responses: {
    200: json(MessageBody, 'Linked'),
    ...errors(['auth', 'body', 'rateLimited', 'locked'], {
      ...providerErrors,
      400: problem(
        '`reauthentication_required`, `invalid_password`, `invalid_mfa_code`, `invalid_oauth_code`, or input',
      ),
      409: problem('`oauth_account_in_use` or `provider_already_linked`'),
    }),
  },
});

const revoke = createRoute({
  method: 'post',
  operationId: 'revokeProviderLink',
  path: '/oauth/link/revoke',
  tags: ['Providers'],
  summary: '"This wasn\'t me" from a link notice: remove the link and sign out every session',
  middleware: [rateLimit('resetPerIp', byClientIp)] as const,
  request: { body: body(RevokeLinkRequest) },
  responses: {
    200: json(MessageBody, 'Unlinked; every session ended'),
    ...errors(['body', 'rateLimited'], { 400: problem('`invalid_token`, `last_sign_in_method`, or input') }),
  },
});

const unlink = createRoute({
  method: 'post',
  operationId: 'unlinkProvider',
  path: '/oauth/unlink',
  tags: ['Providers'],
  summary: 'Unlink a provider (refused if it is the last way to sign in)',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { body: body(UnlinkRequest) },
  responses: {
    200: json(MessageBody, 'Unlinked'),
    ...errors(['auth', 'body'], {
      400: problem('`last_sign_in_method`, or `provider` missing while several are linked'),
      404: problem('`provider_not_linked`'),
    }),
  },
});

async function signIn(c: Context<AppEnv>, provider: OAuthProvider, grant: AuthorizationGrant) {
  const scope = scopeOf(c);
  const outcome = await signInWithOAuth(scope, provider, grant, c.req.header('Accept-Language'));
  if (outcome.kind === 'mfa_required') return answerProblem(c, mfaRequiredProblem(outcome));
  const body = await completeSignIn(scope, outcome.user, {
    rememberMe: false,
    method: SIGN_IN_METHOD[provider],
    amr: outcome.amr,
    message: `${providerName(provider)} authentication successful`,
  });
  return c.json({ ...body, is_new_user: outcome.isNewUser }, 200);
}

export const oauthRoutes = routes()
  .openapi(signInRoute('GOOGLE', GoogleSignInRequest), (c) => signIn(c, 'GOOGLE', grantOf(c.req.valid('json'))))
  .openapi(signInRoute('GITHUB', GitHubSignInRequest), (c) => signIn(c, 'GITHUB', grantOf(c.req.valid('json'))))
  .openapi(link, async (c) => {
    const scope = scopeOf(c);
    const input = c.req.valid('json');
    await assertReauthenticated(scope, c.get('auth'), input);
    await linkProvider(scope, c.get('auth').user, input.provider, grantOf(input));
    return c.json({ message: `${input.provider} account linked successfully` }, 200);
  })
  .openapi(revoke, async (c) => {
    const provider = await revokeLinkFromEmail(scopeOf(c), c.req.valid('json').token);
    return c.json({ message: `${providerName(provider)} was unlinked and every session was signed out` }, 200);
  })
  .openapi(unlink, async (c) => {
    await unlinkProvider(scopeOf(c), c.get('auth').user, c.req.valid('json').provider);
    return c.json({ message: 'OAuth provider unlinked successfully' }, 200);
  });
