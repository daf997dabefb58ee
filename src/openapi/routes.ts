import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { openApiDocument } from './document';
import { REFERENCE_PATH, referencePage } from './reference-page';
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

const text = (mediaType: string, description: string) => ({
  description,
  content: { [mediaType]: { schema: z.string() } },
});

const referenceRoute = createRoute({
  method: 'get',
  path: REFERENCE_PATH,
  tags: ['Service'],
  operationId: 'getApiReference',
  summary: 'The API reference: this document, rendered (every file served by this service)',
  responses: { 200: text('text/html', 'The reference page'), ...errors([]) },
});

/** The document and its reference page; both describe `app`, the whole API they are mounted in. */
export function openApiRoutes(app: () => OpenAPIHono<AppEnv>) {
  return routes()
    .openapi(documentRoute, (c) => {
      c.header('Cache-Control', 'public, max-age=300');
      return c.json(openApiDocument(app(), new URL(c.req.url).origin, c.get('config').version), 200);
    })
    .openapi(referenceRoute, (c) => {
      const assets = c.req.path.replace(/\/$/, '');
      const page = referencePage({ assets, document: assets.replace(/\/docs$/, '/openapi.json') });
      return c.body(page, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'public, max-age=300' });
    });
}
