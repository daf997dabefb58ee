import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ConfigError } from '../config';
import type { AppEnv } from '../env';
import { ApiError, problemResponse } from '../errors';
import { describeError, isDatabaseFailure } from '../lib/describe-error';

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ConfigError) {
    return new ApiError('service_unavailable', { detail: 'The service is misconfigured', reason: 'configuration' });
  }
  if (isDatabaseFailure(error)) {
    return new ApiError('service_unavailable', {
      detail: 'The database is unavailable; try again shortly',
      reason: 'database',
    });
  }
  if (error instanceof HTTPException && error.status === 400) {
    return new ApiError('malformed_json', { detail: error.message });
  }
  if (error instanceof HTTPException && error.status === 415) {
    return new ApiError('unsupported_media_type', { detail: 'Request bodies must be application/json' });
  }
  return new ApiError('internal_error', { detail: 'An unexpected error occurred' });
}

/** The one place where any error becomes a problem+json response; 5xx causes go to the log. */
export function errorResponse(error: unknown, c: Context<AppEnv>): Response {
  const apiError = toApiError(error);
  c.set('problem', { code: apiError.code, reason: apiError.reason });
  if (apiError.status >= 500) {
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'request failed',
        request_id: c.get('requestId'),
        error: describeError(error),
      }),
    );
  }
  return problemResponse(apiError);
}

/** A problem the route returns as data (not thrown), recorded for the log line like any other. */
export function answerProblem(c: Context<AppEnv>, error: ApiError): Response {
  c.set('problem', { code: error.code, reason: error.reason });
  return problemResponse(error);
}
