import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { openApiDocument } from './document';
import { errors, json } from './responses';
import { routes } from './routes-factory';

const documentRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['Service'],
  operationId: 'getOpenApiDocument',
  summary: 'This document (OpenAPI 3.1)',
  responses: { 200: json(z.object({ openapi: z.string() }).passthrough(), 'The document'), ...errors([]) },
});

/** The document route; it describes `app`, the whole API it is mounted in. */
export function openApiRoutes(app: () => OpenAPIHono<AppEnv>) {
  return routes().openapi(documentRoute, (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(openApiDocument(app(), new URL(c.req.url).origin, c.get('config').version), 200);
  });
}
