import type { ProviderHttp } from './provider';
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
