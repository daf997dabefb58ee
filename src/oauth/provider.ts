import type { OAuthProvider } from '../db/schema';
import { ApiError } from '../errors';

/** Who the provider says the user is. `email` is only trusted for matching when `emailVerified`. */
export interface OAuthProfile {
  providerAccountId: string;
  email: string | null;
  emailVerified: boolean;
  /** What a username is derived from, best first (login, email local part, display name). */
  usernameHints: string[];
}

export interface AuthorizationGrant {
  code: string;
  redirectUri?: string;
  codeVerifier?: string;
}

/** One provider's authorization-code exchange, ending in the profile of the signed-in account. */
export interface OAuthClient {
  readonly provider: OAuthProvider;
  exchange(grant: AuthorizationGrant): Promise<OAuthProfile>;
}

/** Why a provider call failed: logged, never sent; the client only sees the problem code. */
export type ProviderFailure =
  | { kind: 'bad_grant'; status: number; error?: string }
  | { kind: 'client_rejected'; status: number; error?: string }
  | { kind: 'unavailable'; reason: 'timeout' | 'network' | 'server_error' | 'malformed_response'; status?: number };

export interface ProviderHttp {
  /** Sends one request and reads a JSON body; transport failures and 5xx are thrown as 502. */
  json(stage: string, url: string, init: RequestInit): Promise<{ status: number; body: unknown }>;
  /** Turns a failure into the wire problem, logging the precise reason (never a token or code). */
  fail(stage: string, failure: ProviderFailure): ApiError;
}

const PROVIDER_ERROR = /^[a-z_]{1,64}$/;

/** Provider error names worth logging; anything else (free text, odd values) is dropped. */
export function providerError(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'string' && PROVIDER_ERROR.test(error) ? error : undefined;
}

export function providerHttp(provider: OAuthProvider, requestId: string, timeoutMs: number): ProviderHttp {
  const fail = (stage: string, failure: ProviderFailure): ApiError => {
    console.log(
      JSON.stringify({
        level: failure.kind === 'bad_grant' ? 'info' : 'error',
        msg: 'oauth provider call failed',
        request_id: requestId,
        provider,
        stage,
        ...failure,
      }),
    );
    if (failure.kind === 'bad_grant') {
      return new ApiError('invalid_oauth_code', {
        detail: 'The authorization code is invalid, expired or already used',
        reason: `${stage}_${failure.kind}`,
      });
    }
    return new ApiError('provider_unavailable', {
      detail: `${providerName(provider)} could not complete the sign-in; try again shortly`,
      reason: `${stage}_${failure.kind === 'unavailable' ? failure.reason : failure.kind}`,
    });
  };
  return {
    fail,
    async json(stage, url, init) {
      let response: Response;
      try {
        // A provider that never answers must not hold the request (and the user) forever.
        response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network';
        throw fail(stage, { kind: 'unavailable', reason });
      }
      if (response.status >= 500) {
        await response.body?.cancel();
        throw fail(stage, { kind: 'unavailable', reason: 'server_error', status: response.status });
      }
      try {
        return { status: response.status, body: await response.json() };
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        throw fail(stage, {
          kind: 'unavailable',
          reason: timedOut ? 'timeout' : 'malformed_response',
          status: response.status,
        });
      }
    },
  };
}

export function providerName(provider: OAuthProvider): string {
  return provider === 'GOOGLE' ? 'Google' : 'GitHub';
}

export function assertConfigured<T>(provider: OAuthProvider, settings: T | null): T {
  if (settings) return settings;
  throw new ApiError('provider_not_configured', {
    detail: `Sign-in with ${providerName(provider)} is not configured on this server`,
  });
}
