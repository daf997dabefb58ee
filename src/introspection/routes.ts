import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { errors, json, problem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { authenticateClient, introspect } from './introspection';

const IntrospectRequest = z
  .strictObject({
    token: z.string().min(1).max(4096),
    token_type_hint: z.enum(['access_token', 'refresh_token']).optional(),
  })
  .openapi('IntrospectRequest');

const Introspection = z
  .object({
    active: z.boolean(),
    token_type: z.literal('access_token').optional(),
    sub: z.uuid().optional(),
    sid: z.uuid().optional(),
    role: z.string().optional().openapi({ description: 'The role in force now' }),
    username: z.string().optional(),
    email: z.string().optional(),
    mfa_enabled: z.boolean().optional(),
    iss: z.string().optional(),
    aud: z.string().optional(),
    iat: z.number().int().optional(),
    exp: z.number().int().optional(),
  })
  .openapi('Introspection', { description: 'RFC 7662: `{active:false}` alone for anything unusable' });

/** Only platform services may ask: the credential is checked before the body is validated or used. */
const requireServiceCredential: MiddlewareHandler<AppEnv> = async function requireServiceCredential(c, next) {
  if (!(await authenticateClient(c.get('config'), c.req.header('Authorization')))) {
    throw new ApiError('unauthorized', {
      detail: 'Introspection needs a service credential (HTTP Basic)',
      headers: { 'WWW-Authenticate': 'Basic realm="introspection"' },
      reason: 'service_credential',
    });
  }
  await next();
};

const introspectRoute = createRoute({
  method: 'post',
  operationId: 'introspectToken',
  path: '/introspect',
  tags: ['Tokens'],
  summary: 'Is this access token usable now? (for platform services)',
  security: [{ serviceBasic: [] }],
  middleware: [requireServiceCredential] as const,
  request: { body: { content: { 'application/json': { schema: IntrospectRequest } }, required: true } },
  responses: {
    200: json(Introspection, 'The answer'),
    ...errors(['body'], { 401: problem('No valid service credential (HTTP Basic)') }),
  },
});

export const introspectionRoutes = routes().openapi(introspectRoute, async (c) =>
  c.json(await introspect(scopeOf(c), c.req.valid('json').token), 200),
);
