import { z } from '@hono/zod-openapi';

/** Opaque 256-bit tokens (refresh, single-use links), base64url. */
export const opaqueToken = z
  .string()
  .min(16)
  .max(256)
  .regex(/^[A-Za-z0-9_-]+$/, 'Malformed token');

/** The body of every endpoint that redeems an emailed single-use link. */
export const TokenRequest = z
  .strictObject({ token: opaqueToken })
  .openapi('TokenRequest', { example: { token: 'token-from-the-emailed-link-0123456789' } });
