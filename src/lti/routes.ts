import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { byClientIp, rateLimit } from '../middleware/rate-limit';
import { errors, json } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { publicJwks } from '../tokens/access-token';
import { allowFraming, ltiErrorPage, ltiHeaders, page, readForm, readQuery, refuse, toolOrigin } from './http';
import { completeLaunch } from './launch-flow';
import { startLogin } from './login-flow';
import { ASSET_PATHS, CLOSE_SCRIPT, PAGE_STYLE, renderPage } from './pages';
import { registerFromLink } from './registration-flow';

/**
 * The browser routes of the LTI tool, mounted at `/lti` (outside `/api`: no JSON body reader, no
 * CORS). The LMS sends people's browsers here; every answer is a redirect or a page, so these routes
 * are outside the OpenAPI document (its scope is the JSON API: test/helpers/contract.ts,
 * BROWSER_ROUTES), except the tool's key set, which platforms fetch as JSON.
 */

export { ltiHeaders };

const tags = ['LTI'];

export const ltiRoutes = routes();
ltiRoutes.onError(ltiErrorPage);
const limited = rateLimit('ltiPerIp', byClientIp);

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
  // The same answers as /.well-known/jwks.json: its key set, or the middleware's problems.
  responses: { 200: json(JwkSet, 'A JWK set'), ...errors([]) },
});
ltiRoutes.get('/jwks.json', async (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(await publicJwks(c.get('config')), 200);
});

const asset = (path: string, type: string, body: string) => {
  const relative = path.slice('/lti'.length);
  ltiRoutes.get(relative, (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(body, 200, { 'Content-Type': `${type}; charset=utf-8` });
  });
};
// The registration page's script (closes the LMS window) and the stylesheet of the /lti/ pages.
asset(ASSET_PATHS.closeScript, 'text/javascript', CLOSE_SCRIPT);
asset(ASSET_PATHS.style, 'text/css', PAGE_STYLE);
