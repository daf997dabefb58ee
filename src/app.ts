import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { accountRoutes } from './accounts/routes';
import { adminRoutes } from './admin/routes';
import { consoleHeaders, consoleRoutes } from './console/routes';
import type { AppEnv } from './env';
import { ApiError } from './errors';
import { healthRoutes } from './health/routes';
import { historyRoutes } from './history/routes';
import { introspectionRoutes } from './introspection/routes';
import { jwksRoutes } from './jwks/routes';
import { ltiApiRoutes } from './lti/api-routes';
import { ltiHeaders, ltiRoutes } from './lti/routes';
import { mfaRoutes } from './mfa/routes';
import { accessLog } from './middleware/access-log';
import { clientInfo } from './middleware/client-info';
import { configuration } from './middleware/configuration';
import { errorResponse } from './middleware/error-response';
import { jsonBody } from './middleware/json-body';
import { noStore } from './middleware/no-store';
import { requestId } from './middleware/request-id';
import { apiHeaders } from './middleware/security-headers';
import { validationHook } from './middleware/validation';
import { oauthRoutes } from './oauth/routes';
import { registerSecuritySchemes } from './openapi/document';
import { REFERENCE_PATH, referenceHeaders } from './openapi/reference-page';
import { openApiRoutes } from './openapi/routes';
import { passkeyRoutes } from './passkeys/routes';
import { passwordRoutes } from './passwords/routes';
import { registrationRoutes } from './registration/routes';
import { refreshCookies } from './sessions/cookie';
import { sessionRoutes } from './sessions/routes';
import { signInRoutes } from './sign-in/routes';

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ strict: false, defaultHook: validationHook });
  registerSecuritySchemes(app);

  // Every request: an id, one log line, no caching by default, the configuration, the caller.
  // Security headers come first so that even a 503 for a bad configuration carries them.
  // LTI 1.3 (issue 18): the browser pages under /lti/ replace the API's headers with their own
  // (CSP with the registered platforms as frame ancestors), so they wrap them; see src/lti/http.ts.
  app.use('/lti/*', ltiHeaders());
  // The account console's pages (issue 20): a strict same-origin CSP of their own, wrapping the
  // API's headers in the same way; see src/console/routes.tsx.
  app.use('/account/*', consoleHeaders);
  // The API reference (issue 14) is the one page under /api: its own policy, wrapping the API's
  // headers in the same way; see src/openapi/reference-page.ts.
  app.use(`/api/auth${REFERENCE_PATH}/*`, referenceHeaders);
  app.use(apiHeaders); // on every answer, 404s outside /api included: nothing the API answers is a page
  app.use(requestId(), accessLog(), noStore(), configuration(), clientInfo());

  // The JSON API group: an origin allowlist for browsers, and bounded JSON bodies.
  app.use('/api/*', refreshCookies()); // issue 15: the refresh cookie, and credentials for listed origins
  app.use(
    '/api/*',
    cors({
      // Only listed origins get CORS headers; others get none, so browsers refuse the response.
      origin: (origin, c) => (c.get('config')?.corsOrigins.includes(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
      exposeHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
      maxAge: 600,
    }),
  );
  app.use('/api/*', jsonBody());

  const api = '/api/auth';
  app.route(`${api}/health`, healthRoutes);
  app.route('/.well-known/jwks.json', jwksRoutes);
  app.route(api, registrationRoutes);
  app.route(api, signInRoutes);
  app.route(api, mfaRoutes);
  app.route(api, sessionRoutes);
  app.route(api, accountRoutes);
  app.route(api, passwordRoutes);
  app.route(api, historyRoutes);
  app.route(api, oauthRoutes);
  app.route(api, passkeyRoutes);
  app.route(api, adminRoutes);
  app.route(api, introspectionRoutes);
  app.route(api, ltiApiRoutes);
  app.route('/lti', ltiRoutes);
  app.route(
    api,
    openApiRoutes(() => app),
  );
  app.route('/account', consoleRoutes);

  app.notFound((c) => errorResponse(new ApiError('not_found', { detail: 'No such endpoint' }), c));
  app.onError(errorResponse);
  return app;
}
