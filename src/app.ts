import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { adminRoutes } from './admin/routes';
import { passwordRoutes } from './auth/password-routes';
import { authRoutes } from './auth/routes';
import { introspectionRoutes } from './authz/introspection';
import type { AppEnv } from './env';
import { ApiError } from './errors';
import { healthRoutes, jwksRoutes } from './health';
import { historyRoutes } from './history/routes';
import { errorResponse } from './http/error-response';
import { jsonBody } from './http/json-body';
import { requestContext } from './http/request-context';
import { mfaRoutes } from './mfa/routes';
import { oauthRoutes } from './oauth/routes';
import { sessionRoutes } from './sessions/routes';

export function createApp() {
  const app = new Hono<AppEnv>({ strict: false });

  // First, so that every answer carries them, including a 503 for a bad configuration.
  app.use(
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      strictTransportSecurity: 'max-age=63072000; includeSubDomains',
      crossOriginResourcePolicy: 'cross-origin',
    }),
  );
  app.use(requestContext());
  app.use(
    cors({
      // Only listed origins get CORS headers; others get none, so browsers refuse the response.
      origin: (origin, c) => (c.get('config')?.corsOrigins.includes(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
      exposeHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
      maxAge: 600,
    }),
  );
  app.use('/api/*', jsonBody());

  app.route('/api/auth/health', healthRoutes);
  app.route('/.well-known/jwks.json', jwksRoutes);
  app.route('/api/auth/password', passwordRoutes);
  app.route('/api/auth/mfa', mfaRoutes);
  app.route('/api/auth/sessions', sessionRoutes);
  app.route('/api/auth/admin', adminRoutes);
  app.route('/api/auth/introspect', introspectionRoutes);
  app.route('/api/auth', historyRoutes);
  app.route('/api/auth/oauth', oauthRoutes);
  app.route('/api/auth', authRoutes);

  app.notFound((c) => errorResponse(new ApiError('not_found', 'No such endpoint'), c));
  app.onError(errorResponse);
  return app;
}
