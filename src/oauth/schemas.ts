import { z } from '@hono/zod-openapi';
import { ReauthProof } from '../credentials/schemas';
import { OAUTH_PROVIDERS } from '../db/schema';
import { LoginResponse } from '../sign-in/schemas';
import { opaqueToken } from '../tokens/schemas';

/** Providers' codes are opaque printable ASCII (Google's contain "/"); this only bounds them. */
const code = z
  .string()
  .trim()
  .min(1, 'The authorization code is required')
  .max(2048)
  .regex(/^[\x21-\x7e]+$/, 'Malformed authorization code');
/** Checked against OAUTH_REDIRECT_URIS, character for character, by the service. */
const redirectUri = z.string().min(1).max(2048);
const codeVerifier = z
  .string()
  .regex(/^[A-Za-z0-9._~-]{43,128}$/, 'Must be 43-128 characters of A-Z, a-z, 0-9, ".", "_", "~" or "-" (RFC 7636)');

export const GoogleSignInRequest = z
  .strictObject({ code, redirect_uri: redirectUri, code_verifier: codeVerifier.optional() })
  .openapi('GoogleSignInRequest', {
    example: { code: '4/0AfJohXm-code-from-google', redirect_uri: 'https://app.example.com/auth/google/callback' },
  });
export const GitHubSignInRequest = z
  .strictObject({ code, redirect_uri: redirectUri.optional(), code_verifier: codeVerifier.optional() })
  .openapi('GitHubSignInRequest', { example: { code: 'a1b2c3d4e5f6a7b8c9d0' } });
export const OAuthSignInResponse = LoginResponse.extend({
  is_new_user: z.boolean().openapi({ description: 'The account was created by this sign-in' }),
}).openapi('OAuthSignInResponse');
export const LinkRequest = ReauthProof.extend({
  provider: z.enum(OAUTH_PROVIDERS, { message: 'Must be "GOOGLE" or "GITHUB"' }),
  code,
  redirect_uri: redirectUri.optional(),
  code_verifier: codeVerifier.optional(),
}).openapi('LinkRequest');
export const RevokeLinkRequest = z.strictObject({ token: opaqueToken }).openapi('RevokeLinkRequest');
export const UnlinkRequest = z
  .strictObject({ provider: z.enum(OAUTH_PROVIDERS, { message: 'Must be "GOOGLE" or "GITHUB"' }).optional() })
  .openapi('UnlinkRequest');

export const grantOf = (body: { code: string; redirect_uri?: string; code_verifier?: string }) => ({
  code: body.code,
  redirectUri: body.redirect_uri,
  codeVerifier: body.code_verifier,
});
