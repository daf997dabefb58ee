import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';

/** What every operation is grouped by in the reference: one tag per feature. */
const TAGS = [
  { name: 'Registration', description: 'Accounts, email verification' },
  { name: 'Sign-in', description: 'Password, second factor, Google and GitHub' },
  { name: 'Sessions', description: 'Refresh, sign-out, the list of sessions' },
  { name: 'Account', description: 'The signed-in user' },
  { name: 'Passwords', description: 'Reset and change' },
  { name: 'MFA', description: 'TOTP and backup codes' },
  { name: 'Providers', description: 'Linking Google and GitHub to an account' },
  { name: 'History', description: 'Sign-in history and statistics' },
  { name: 'Admin', description: 'The admin API (roles, permissions, audit)' },
  {
    name: 'LTI',
    description: 'LTI 1.3 tool: the LMS browser routes under /lti/, the code exchange, the platform registry',
  },
  { name: 'Tokens', description: 'Public keys and introspection, for other services' },
  { name: 'Service', description: 'Health' },
];

/** The security schemes every route refers to by name. */
export function registerSecuritySchemes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The `access_token` of a sign-in or refresh (EdDSA JWT, `typ: at+jwt`)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'serviceBasic', {
    type: 'http',
    scheme: 'basic',
    description: 'A platform service credential from INTROSPECTION_CREDENTIALS (`id:secret`)',
  });
}

/** The OpenAPI 3.1 document of the whole API, served at `/api/auth/openapi.json`. */
export function openApiDocument(app: OpenAPIHono<AppEnv>, origin: string, version: string) {
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Auth service',
      version,
      description:
        'Authentication and authorization of the learning platform. Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`. Every path works with and without its trailing slash.',
    },
    servers: [{ url: origin, description: 'This deployment' }],
    tags: TAGS,
  });
  // A route that names no security scheme is public: say so explicitly, as clients and linters expect.
  for (const path of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(path)) {
      if (typeof operation === 'object' && operation && 'responses' in operation) operation.security ??= [];
    }
  }
  return document;
}
