import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { openApiDocument } from './document';
import { REFERENCE_PATH, referencePage, START_SCRIPT, startScript, VENDOR_FILES } from './reference-page';
import { errors, json, problem } from './responses';
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

const referenceFileRoute = createRoute({
  method: 'get',
  path: `${REFERENCE_PATH}/{file}`,
  tags: ['Service'],
  operationId: 'getApiReferenceFile',
  summary: 'A script or stylesheet of the reference page',
  request: { params: z.object({ file: z.string().max(64).openapi({ example: START_SCRIPT }) }) },
  responses: {
    200: {
      description: 'The file',
      content: { 'text/javascript': { schema: z.string() }, 'text/css': { schema: z.string() } },
    },
    ...errors([], { 404: problem('No such file') }),
  },
});

const CACHED_FOR_A_DAY = 'public, max-age=86400';

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
    })
    .openapi(referenceFileRoute, async (c) => {
      const { file } = c.req.valid('param');
      if (file === START_SCRIPT) {
        return c.body(startScript, 200, {
          'Content-Type': 'text/javascript; charset=utf-8',
          'Cache-Control': CACHED_FOR_A_DAY,
        });
      }
      if (!Object.hasOwn(VENDOR_FILES, file)) throw new ApiError('not_found', { detail: 'No such file' });
      if (!c.env.ASSETS) {
        throw new ApiError('service_unavailable', {
          detail: 'The reference page is not deployed',
          reason: 'no_assets_binding',
        });
      }
      const asset = await c.env.ASSETS.fetch(new URL(`/${file}`, c.req.url));
      if (!asset.ok || !asset.body) {
        throw new ApiError('service_unavailable', {
          detail: 'The reference page is not deployed',
          reason: `asset_${asset.status}`,
        });
      }
      const mediaType = VENDOR_FILES[file as keyof typeof VENDOR_FILES];
      return c.body(asset.body, 200, { 'Content-Type': mediaType, 'Cache-Control': CACHED_FOR_A_DAY });
    });
}
