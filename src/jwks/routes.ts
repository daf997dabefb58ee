import { createRoute, z } from '@hono/zod-openapi';
import { errors, json } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { publicJwks } from '../tokens/access-token';

const Jwk = z
  .object({
    kty: z.string(),
    crv: z.string().optional(),
    x: z.string().optional(),
    y: z.string().optional(),
    kid: z.string(),
    use: z.literal('sig'),
    alg: z.enum(['EdDSA', 'ES256']),
  })
  .openapi('Jwk');

const jwks = createRoute({
  method: 'get',
  operationId: 'getJwks',
  path: '/',
  tags: ['Tokens'],
  summary: 'Public keys of access tokens (JWKS)',
  description:
    'Verify access tokens offline: pin the algorithm, check `iss`, `aud`, `typ: at+jwt` and `exp`. Cacheable 5 minutes; refetch on an unknown `kid`.',
  responses: {
    200: json(
      z.object({ keys: z.array(Jwk) }).openapi('Jwks'),
      'The current key, and the previous one during a rotation',
    ),
    ...errors([]),
  },
});

export const jwksRoutes = routes().openapi(jwks, async (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json((await publicJwks(c.get('config'))) as z.infer<typeof Jwk> & { keys: z.infer<typeof Jwk>[] }, 200);
});
