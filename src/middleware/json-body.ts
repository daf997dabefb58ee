import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';

export const MAX_BODY_BYTES = 16 * 1024;
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

async function readBounded(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new ApiError('payload_too_large', { detail: `Request bodies are limited to ${limit} bytes` });
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Reads every request body once, bounded, as JSON. An empty body is `{}` (the seed's SPA posts
 * some endpoints with no body); the parsed value is handed to the validators through Hono's cache.
 */
export function jsonBody(limit = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return async function jsonBody(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const declared = Number(c.req.header('Content-Length') ?? '0');
    if (declared > limit) {
      throw new ApiError('payload_too_large', { detail: `Request bodies are limited to ${limit} bytes` });
    }
    const bytes = await readBounded(c.req.raw, limit);
    const text = new TextDecoder().decode(bytes).trim();
    let parsed: unknown = {};
    if (text !== '') {
      const mediaType = (c.req.header('Content-Type') ?? '').split(';')[0]?.trim() ?? '';
      if (!JSON_MEDIA_TYPE.test(mediaType)) {
        throw new ApiError('unsupported_media_type', { detail: 'Request bodies must be application/json' });
      }
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new ApiError('malformed_json', { detail: 'The request body is not valid JSON' });
      }
    }
    c.req.bodyCache.json = Promise.resolve(parsed);
    // The raw bytes too: the route validators look at them to tell an empty body from a missing type.
    (c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer = Promise.resolve(
      bytes.buffer as ArrayBuffer,
    );
    await next();
  };
}
