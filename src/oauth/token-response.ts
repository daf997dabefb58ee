import type { AuthorizationGrant, ProviderHttp } from './provider';
import { providerError } from './provider';

/**
 * Errors that mean the provider refused *our* client credentials, not the user's code: retrying
 * with another code cannot help, so they are a server-side failure rather than a 400.
 */
const CLIENT_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'incorrect_client_credentials']);

/**
 * Reads the access token out of a token-endpoint answer. Google answers a bad code with 400/401;
 * GitHub answers it with 200 and an `error` member, so both shapes are checked.
 */
export function accessTokenFrom(http: ProviderHttp, answer: { status: number; body: unknown }): string {
  const error = providerError(answer.body);
  const token = (answer.body as { access_token?: unknown } | null)?.access_token;
  if (answer.status < 300 && !error && typeof token === 'string' && token.length > 0) return token;
  if (error && CLIENT_ERRORS.has(error)) {
    throw http.fail('token', { kind: 'client_rejected', status: answer.status, error });
  }
  if (error || (answer.status >= 400 && answer.status < 500)) {
    throw http.fail('token', { kind: 'bad_grant', status: answer.status, error });
  }
  throw http.fail('token', { kind: 'unavailable', reason: 'malformed_response', status: answer.status });
}

/**
 * The authorization-code exchange (RFC 6749 §4.1.3) as a form post, with the SPA's PKCE verifier
 * passed through when it used one. Returns the provider's access token.
 */
export async function exchangeCode(
  http: ProviderHttp,
  url: string,
  grant: AuthorizationGrant,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<string> {
  const form = new URLSearchParams({ ...fields, code: grant.code });
  if (grant.redirectUri) form.set('redirect_uri', grant.redirectUri);
  if (grant.codeVerifier) form.set('code_verifier', grant.codeVerifier);
  const answer = await http.json('token', url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...headers },
    body: form,
  });
  return accessTokenFrom(http, answer);
}
