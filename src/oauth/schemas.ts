import { z } from 'zod';
import { opaqueToken, reauthBody } from '../auth/schemas';
import { OAUTH_PROVIDERS } from '../db/schema';

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

export const googleSignInBody = z.strictObject({
  code,
  redirect_uri: redirectUri,
  code_verifier: codeVerifier.optional(),
});
export const githubSignInBody = z.strictObject({
  code,
  redirect_uri: redirectUri.optional(),
  code_verifier: codeVerifier.optional(),
});
export const linkBody = reauthBody.extend({
  provider: z.enum(OAUTH_PROVIDERS, { message: 'Must be "GOOGLE" or "GITHUB"' }),
  code,
  redirect_uri: redirectUri.optional(),
  code_verifier: codeVerifier.optional(),
});
export const revokeLinkBody = z.strictObject({ token: opaqueToken });
export const unlinkBody = z.strictObject({
  provider: z.enum(OAUTH_PROVIDERS, { message: 'Must be "GOOGLE" or "GITHUB"' }).optional(),
});

export const grantOf = (body: { code: string; redirect_uri?: string; code_verifier?: string }) => ({
  code: body.code,
  redirectUri: body.redirect_uri,
  codeVerifier: body.code_verifier,
});
