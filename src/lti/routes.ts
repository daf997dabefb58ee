import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { byClientIp, rateLimit } from '../middleware/rate-limit';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { publicJwks } from '../tokens/access-token';
import { allowFraming, ltiErrorPage, ltiHeaders, page, readForm, readQuery, refuse, toolOrigin } from './http';
import { completeLaunch } from './launch-flow';
import { startLogin } from './login-flow';
import { ASSET_PATHS, CLOSE_SCRIPT, PAGE_STYLE, renderPage } from './pages';
import { registerFromLink } from './registration-flow';
import { LaunchForm, LoginParameters } from './schemas';

/**
 * The browser routes of the LTI tool, mounted at `/lti` (outside `/api`: no JSON body reader, no
 * CORS). The LMS sends people's browsers here; every answer is a redirect or a page.
 */

export { ltiHeaders };

const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const refusals = {
  400: html('A page saying what went wrong (the audit log has the internal reason)'),
  429: html('Too many requests from this IP (`RATE_LIMIT_LTI_IP`)'),
  503: html('A dependency is unavailable'),
};
const redirect = (description: string) => ({
  description,
  headers: { Location: { schema: { type: 'string' as const } } },
});
const tags = ['LTI'];

export const ltiRoutes = routes();
ltiRoutes.onError(ltiErrorPage);
const limited = rateLimit('ltiPerIp', byClientIp);

ltiRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/register',
  operationId: 'ltiDynamicRegistration',
  tags,
  summary: 'LTI Dynamic Registration: the LMS opens the one-time link with its OpenID configuration',
  request: {
    query: z.object({
      link: z.string().openapi({ description: 'The one-time token of `admin/lti/registrations/`' }),
      openid_configuration: z.string().openapi({ description: "The platform's OpenID configuration URL" }),
      registration_token: z.string().optional(),
    }),
  },
  responses: {
    200: html('Registered: the page posts `{subject: "org.imsglobal.lti.close"}` to the LMS window'),
    ...refusals,
  },
});
ltiRoutes.get('/register', limited, async (c) => {
  const scope = scopeOf(c);
  const outcome = await registerFromLink(scope, readQuery(c), toolOrigin(c));
  // The platform being registered frames this page before it is in the registry.
  if (outcome.frameOrigin) allowFraming(c, [outcome.frameOrigin]);
  if (!outcome.ok) {
    return refuse(c, 'lti.registration_refused', {
      reason: outcome.reason,
      details: outcome.details,
      actorId: outcome.actorId,
    });
  }
  const content = {
    title: 'Registration complete',
    message: `${scope.config.mfa.issuer} is registered with ${outcome.platform.name}. This window closes by itself; otherwise close it.`,
    closesRegistration: true,
  };
  return page(c, 200, renderPage(content));
});

const loginDoc = (method: 'get' | 'post') => ({
  method,
  path: '/login',
  operationId: method === 'get' ? 'ltiLoginInitiation' : 'ltiLoginInitiationForm',
  tags,
  summary: 'OIDC third-party login initiation (the LMS sends the browser here first)',
  ...(method === 'get'
    ? { request: { query: LoginParameters } }
    : {
        request: {
          body: { content: { 'application/x-www-form-urlencoded': { schema: LoginParameters } }, required: true },
        },
      }),
  responses: {
    302: redirect("To the platform's authorization endpoint, with a fresh state and nonce (kept server-side)"),
    ...refusals,
  },
});
ltiRoutes.openAPIRegistry.registerPath(loginDoc('get'));
ltiRoutes.openAPIRegistry.registerPath(loginDoc('post'));

async function login(c: Context<AppEnv>, parameters: Record<string, string>) {
  const result = await startLogin(scopeOf(c), parameters, toolOrigin(c));
  if (!result.ok) {
    const { ok: _ok, reason, platformId, ...failure } = result;
    const details: Record<string, unknown> = { issuer: parameters.iss?.slice(0, 200) ?? null };
    if ('parameter' in failure) details.parameter = failure.parameter;
    if ('deploymentId' in failure) details.deployment_id = failure.deploymentId;
    return refuse(c, 'lti.login_refused', { reason, details, ...(platformId ? { platformId } : {}) });
  }
  c.header('Set-Cookie', result.setCookie, { append: true });
  return c.redirect(result.location, 302);
}
ltiRoutes.get('/login', limited, (c) => login(c, readQuery(c)));
ltiRoutes.post('/login', limited, async (c) => login(c, await readForm(c)));

ltiRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/launch',
  operationId: 'ltiLaunch',
  tags,
  summary: "The launch: the platform's page posts the signed id_token here (redirect URI)",
  request: {
    body: { content: { 'application/x-www-form-urlencoded': { schema: LaunchForm } }, required: true },
  },
  responses: {
    303: redirect('To `target_link_uri` with a one-time `lti_code` (60 s) for `lti/exchange/`'),
    ...refusals,
  },
});
ltiRoutes.post('/launch', limited, async (c) => {
  const form = await readForm(c);
  for (const name of ['id_token', 'state'] as const) {
    if (!form[name])
      return refuse(c, 'lti.launch_refused', { reason: 'missing_parameter', details: { parameter: name } });
  }
  if ((form.state as string).length > 512) {
    return refuse(c, 'lti.launch_refused', { reason: 'invalid_parameter', details: { parameter: 'state' } });
  }
  const outcome = await completeLaunch(scopeOf(c), {
    idToken: form.id_token as string,
    state: form.state as string,
    cookieHeader: c.req.header('Cookie'),
    acceptLanguage: c.req.header('Accept-Language'),
  });
  if (!outcome.ok) {
    const { reason, details, platformId, clearCookie } = outcome;
    return refuse(
      c,
      'lti.launch_refused',
      { reason, details, ...(platformId ? { platformId } : {}) },
      clearCookie ? { 'Set-Cookie': clearCookie } : {},
    );
  }
  c.header('Set-Cookie', outcome.clearCookie, { append: true });
  return c.redirect(outcome.location, 303);
});

const JwkSet = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('LtiToolJwks');
ltiRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/jwks.json',
  operationId: 'ltiToolJwks',
  tags,
  summary: "The tool's public keys, registered at platforms as its JWKS URL",
  responses: { 200: { description: 'A JWK set', content: { 'application/json': { schema: JwkSet } } } },
});
ltiRoutes.get('/jwks.json', async (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(await publicJwks(c.get('config')), 200);
});

const asset = (path: string, type: string, body: string, summary: string) => {
  const relative = path.slice('/lti'.length);
  ltiRoutes.openAPIRegistry.registerPath({
    method: 'get',
    path: relative,
    operationId: summary.includes('script') ? 'ltiCloseScript' : 'ltiStylesheet',
    tags,
    summary,
    responses: { 200: { description: summary, content: { [type]: { schema: z.string() } } } },
  });
  ltiRoutes.get(relative, (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(body, 200, { 'Content-Type': `${type}; charset=utf-8` });
  });
};
asset(ASSET_PATHS.closeScript, 'text/javascript', CLOSE_SCRIPT, 'The registration page script (closes the LMS window)');
asset(ASSET_PATHS.style, 'text/css', PAGE_STYLE, 'The stylesheet of the /lti/ pages');
