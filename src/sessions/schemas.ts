import { z } from '@hono/zod-openapi';
import { opaqueToken } from '../tokens/schemas';

export const RefreshRequest = z
  .strictObject({
    refresh_token: opaqueToken.optional().openapi({
      description:
        "Required, except when the refresh cookie is sent instead: with REFRESH_COOKIE=true from an allowed Origin, or in any configuration from the service's own Origin",
    }),
  })
  .openapi('RefreshRequest', { example: { refresh_token: 'your-refresh-token-from-login-0123456789' } });

/** The refresh cookie (REFRESH_COOKIE=true, or the service's own origin): host-only by default, or for REFRESH_COOKIE_DOMAIN. */
export const RefreshCookies = z.object({
  '__Host-refresh_token': z
    .string()
    .optional()
    .openapi({ param: { name: '__Host-refresh_token', in: 'cookie' }, description: 'The refresh cookie (host-only)' }),
  '__Secure-refresh_token': z
    .string()
    .optional()
    .openapi({
      param: { name: '__Secure-refresh_token', in: 'cookie' },
      description: 'The refresh cookie when REFRESH_COOKIE_DOMAIN is set',
    }),
});

/** Declared on every answer that may set or clear the refresh cookie. */
export const refreshCookieHeader = {
  'Set-Cookie': {
    description:
      "With REFRESH_COOKIE=true, or for a request from the service's own Origin: the refresh token as an HttpOnly, Secure, SameSite cookie (`__Host-refresh_token`, or `__Secure-refresh_token` with REFRESH_COOKIE_DOMAIN), or its removal (`Max-Age=0`)",
    schema: { type: 'string' as const },
  },
};

export const SessionTokens = z.object({
  access_token: z.string().openapi({ description: 'EdDSA JWT (`typ: at+jwt`), ACCESS_TOKEN_TTL seconds' }),
  refresh_token: z.string().openapi({ description: 'Opaque; rotated at every refresh' }),
  expires_at: z.iso.datetime().openapi({ description: "The access token's expiry" }),
});

export const RefreshResponse = SessionTokens.extend({
  refresh_token: z.string().optional().openapi({
    description:
      'The rotated refresh token. Absent when the refresh was made with the cookie: the new one is only in the (HttpOnly) cookie',
  }),
  session_token: z.string().openapi({ description: 'The access token again (the seed SPA reads this name)' }),
}).openapi('RefreshResponse');

export const SessionView = z
  .object({
    id: z.uuid(),
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
    ip_address: z.string().nullable(),
    device: z.string().nullable(),
    browser: z.string().nullable(),
    os: z.string().nullable(),
    location: z.string().nullable(),
    current: z.boolean(),
  })
  .openapi('Session', {
    example: {
      id: '0b7e2a4c-9d1f-4e3a-8c5b-6a7d8e9f0a1b',
      created_at: '2026-11-30T08:05:00.000Z',
      last_used_at: '2026-11-30T09:12:00.000Z',
      expires_at: '2026-12-01T08:05:00.000Z',
      ip_address: '203.0.113.10',
      device: 'Desktop',
      browser: 'Chrome 120',
      os: 'Windows 10',
      location: 'Paris, France',
      current: true,
    },
  });

export const SessionsRevoked = z
  .object({ message: z.string(), revoked: z.number().int() })
  .openapi('SessionsRevoked', { example: { message: '2 sessions revoked successfully', revoked: 2 } });

export const SessionIdParam = z.object({
  id: z.uuid({ message: 'Must be a session id (UUID)' }).openapi({ param: { name: 'id', in: 'path' } }),
});

/** Bodies the seed posts empty: nothing may be sent, and `{}` is what an empty body reads as. */
export const EmptyBody = z.strictObject({}).openapi('Empty');
