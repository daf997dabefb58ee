import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ConfigError } from '../config';
import type { AppEnv } from '../env';
import { ApiError, problemResponse } from '../errors';
import { describeError, isDatabaseFailure } from '../lib/describe-error';

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ConfigError) return new ApiError('service_unavailable', 'The service is misconfigured');
  if (isDatabaseFailure(error))
    return new ApiError('service_unavailable', 'The database is unavailable; try again shortly');
  if (error instanceof HTTPException && error.status === 400) return new ApiError('malformed_json', error.message);
  return new ApiError('internal_error', 'An unexpected error occurred');
}

/** The one place where any error becomes a problem+json response; 5xx causes go to the log. */
export function errorResponse(error: unknown, c: Context<AppEnv>): Response {
  const apiError = toApiError(error);
  c.set('problemCode', apiError.code);
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
