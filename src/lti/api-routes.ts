import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { answerProblem } from '../middleware/error-response';
import { byClientIp, rateLimit } from '../middleware/rate-limit';
import { requireAuth } from '../middleware/require-auth';
import { requirePermission } from '../middleware/require-permission';
import { errors, json, problem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { EmptyBody } from '../sessions/schemas';
import { completeSignIn } from '../sign-in/complete';
import { mfaRequiredProblem } from '../sign-in/mfa-step';
import { createPlatform, deletePlatform, listPlatforms, loadPlatform, updatePlatform } from './admin';
import { exchangeLtiCode } from './exchange';
import { createRegistrationLink, REGISTER_PATH, toolDescription } from './registration-flow';
import {
  ExchangeMfaProblem,
  ExchangeRequest,
  ExchangeResponse,
  LtiPlatformAnswer,
  LtiPlatformList,
  PlatformCreateRequest,
  PlatformDeleteQuery,
  PlatformIdParam,
  PlatformUpdateRequest,
  RegistrationLink,
  ToolConfiguration,
} from './schemas';

/** The JSON side of the LTI tool, mounted at `/api/auth`: the SPA's code exchange and the admin API. */

const body = <T>(schema: T, required = true) => ({ content: { 'application/json': { schema } }, required });
const toolOrigin = (c: Context<AppEnv>) => new URL(c.req.url).origin;

const exchange = createRoute({
  method: 'post',
  operationId: 'exchangeLtiCode',
  path: '/lti/exchange',
  tags: ['LTI'],
  summary: 'Exchange the `lti_code` of a launch for a session (the login body plus the launch context)',
  // The code is a 256-bit secret, so this only bounds load: a whole class exchanges at once.
  middleware: [rateLimit('ltiPerIp', byClientIp)] as const,
  request: { body: body(ExchangeRequest) },
  responses: {
    200: json(ExchangeResponse, 'Signed in'),
    ...errors(['body', 'rateLimited', 'locked'], {
      400: problem('`invalid_token` (unknown, used or expired code), or invalid input'),
      403: problem('`account_suspended`, `account_disabled` or `email_not_verified`'),
      428: problem(
        'The account has MFA: continue with `login/mfa/` (the launch context is included)',
        ExchangeMfaProblem,
      ),
    }),
  },
});

const adminErrors = (more: Parameters<typeof errors>[1] = {}, extras: Parameters<typeof errors>[0] = []) =>
  errors(['auth', ...extras], {
    403: problem('`forbidden` (only ADMIN and SUPER_ADMIN) or `mfa_required` (the session did not use MFA)'),
    ...more,
  });
const notFound = { 404: problem('No such LTI platform') };

function adminRoute<R extends Omit<RouteConfig, 'security' | 'middleware' | 'tags'>>(route: R) {
  return createRoute({
    ...route,
    tags: ['LTI'],
    security: [{ bearerAuth: [] }],
    middleware: [requireAuth(), requirePermission('lti.manage')] as const,
  });
}

const list = adminRoute({
  method: 'get',
  operationId: 'listLtiPlatforms',
  path: '/admin/lti/platforms',
  summary: 'The registered LTI platforms',
  responses: { 200: json(LtiPlatformList, 'Newest first'), ...adminErrors() },
});
const create = adminRoute({
  method: 'post',
  operationId: 'createLtiPlatform',
  path: '/admin/lti/platforms',
  summary: 'Register a platform by hand (its values are on its tool configuration page)',
  request: { body: body(PlatformCreateRequest) },
  responses: {
    201: json(LtiPlatformAnswer, 'Registered'),
    ...adminErrors({ 409: problem('`conflict`: this issuer and client id are already registered') }, ['body']),
  },
});
const update = adminRoute({
  method: 'patch',
  operationId: 'updateLtiPlatform',
  path: '/admin/lti/platforms/{id}',
  summary: 'Change a platform (deployments, email trust, role mapping, endpoints, frame origins)',
  request: { params: PlatformIdParam, body: body(PlatformUpdateRequest) },
  responses: { 200: json(LtiPlatformAnswer, 'Changed'), ...adminErrors(notFound, ['body']) },
});
const remove = adminRoute({
  method: 'delete',
  operationId: 'deleteLtiPlatform',
  path: '/admin/lti/platforms/{id}',
  summary: 'Remove a platform, its pending launches and its account links',
  request: { params: PlatformIdParam, query: PlatformDeleteQuery },
  responses: {
    204: { description: 'Removed' },
    ...adminErrors({
      ...notFound,
      409: problem('`conflict`: accounts sign in through it (pass `force=true`)'),
    }),
  },
});
const registrationLink = adminRoute({
  method: 'post',
  operationId: 'createLtiRegistrationLink',
  path: '/admin/lti/registrations',
  summary: 'A one-time dynamic registration link (1 hour) for an LMS administrator',
  request: { body: body(EmptyBody, false) },
  responses: { 201: json(RegistrationLink, 'Created'), ...adminErrors({}, ['body']) },
});
const tool = adminRoute({
  method: 'get',
  operationId: 'getLtiToolConfiguration',
  path: '/admin/lti/tool',
  summary: "The URLs to paste into an LMS's manual tool configuration",
  responses: { 200: json(ToolConfiguration, 'The tool configuration'), ...adminErrors() },
});

export const ltiApiRoutes = routes()
  .openapi(exchange, async (c) => {
    const scope = scopeOf(c);
    const { outcome, platform, lti } = await exchangeLtiCode(scope, c.req.valid('json').code);
    if (outcome.kind === 'mfa_required') {
      const base = mfaRequiredProblem(outcome);
      return answerProblem(c, new ApiError('mfa_required', { detail: base.detail, extra: { ...base.extra, lti } }));
    }
    const signedIn = await completeSignIn(scope, outcome.user, {
      rememberMe: false,
      method: 'lti',
      methodDetail: platform.name,
      amr: outcome.amr,
      message: `Signed in from ${platform.name}`,
    });
    return c.json({ ...signedIn, lti }, 200);
  })
  .openapi(list, async (c) => c.json({ platforms: await listPlatforms(scopeOf(c)) }, 200))
  .openapi(create, async (c) => {
    const platform = await createPlatform(scopeOf(c), c.get('auth').user, c.req.valid('json'));
    return c.json({ platform }, 201);
  })
  .openapi(update, async (c) => {
    const scope = scopeOf(c);
    const current = await loadPlatform(scope, c.req.valid('param').id);
    return c.json({ platform: await updatePlatform(scope, c.get('auth').user, current, c.req.valid('json')) }, 200);
  })
  .openapi(remove, async (c) => {
    const scope = scopeOf(c);
    const current = await loadPlatform(scope, c.req.valid('param').id);
    await deletePlatform(scope, c.get('auth').user, current, c.req.valid('query').force);
    return c.body(null, 204);
  })
  .openapi(registrationLink, async (c) => {
    const link = await createRegistrationLink(scopeOf(c), c.get('auth').user, toolOrigin(c));
    return c.json({ url: link.url, expires_at: link.expiresAt.toISOString() }, 201);
  })
  .openapi(tool, async (c) => {
    const config = c.get('config');
    const description = toolDescription(config, toolOrigin(c));
    return c.json(
      {
        login_url: description.loginUrl,
        launch_url: description.launchUrl,
        jwks_url: description.jwksUrl,
        target_link_uri: description.targetLinkUri,
        registration_url: `${toolOrigin(c)}${REGISTER_PATH}`,
        target_origins: config.lti.targetOrigins,
      },
      200,
    );
  });
