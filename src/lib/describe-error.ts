import { DrizzleQueryError } from 'drizzle-orm/errors';

/**
 * An error as one log-safe line. A drizzle query error's message carries the query's parameters
 * (emails, password and token hashes, sealed secrets): only the database's own reason is kept.
 */
export function describeError(error: unknown): string {
  if (error instanceof DrizzleQueryError) {
    return `DrizzleQueryError: ${error.cause instanceof Error ? error.cause.message : 'query failed'}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A failure of D1 itself (unreachable, overloaded, a failed query): the service is unavailable. */
export function isDatabaseFailure(error: unknown): boolean {
  return error instanceof DrizzleQueryError || (error instanceof Error && /^D1_|D1_ERROR|SQLITE_/.test(error.message));
}
