import { z } from '@hono/zod-openapi';
import { PROBLEM_CODES, PROBLEM_MEDIA_TYPE } from '../errors';

/** RFC 9457 problem details, as every error of the API is answered. */
export const Problem = z
  .object({
    type: z.string().openapi({ example: 'urn:auth-service:problem:invalid_credentials' }),
    title: z.string().openapi({ example: 'Invalid credentials' }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: 'Invalid email or password' }),
    code: z.enum(PROBLEM_CODES).openapi({ description: 'Stable machine code: switch on this, not on the text' }),
  })
  .openapi('Problem');

export const FieldError = z.object({ field: z.string(), message: z.string() }).openapi('FieldError');

/** 400 with the problem of every field (body, query and path parameters). */
export const ValidationProblem = Problem.extend({
  errors: z.array(FieldError).optional(),
}).openapi('ValidationProblem', {
  example: {
    type: 'urn:auth-service:problem:validation_failed',
    title: 'Validation failed',
    status: 400,
    detail: 'The password does not meet the policy',
    code: 'validation_failed',
    errors: [{ field: 'password', message: 'Password must contain at least one digit' }],
  },
});

/** 423: too many failed attempts on the account (SPEC §6). */
export const LockedProblem = Problem.extend({
  locked_until: z.iso.datetime().openapi({ description: 'When the lock ends (also in Retry-After)' }),
}).openapi('LockedProblem');

/** The 428 the document's examples show (LTI's exchange adds its launch context to it). */
export const MFA_REQUIRED_EXAMPLE = {
  type: 'urn:auth-service:problem:mfa_required',
  title: 'MFA required',
  status: 428,
  detail: 'A code from your authenticator app (or a backup code) is required',
  code: 'mfa_required',
  requires_mfa: true,
  user_id: '6f1c1f8e-6d5a-4a8e-9d3e-2f3c4b5a6d7e',
  mfa_token: 'wQk0eR4b3c2d1e0f9g8h7i6j5k4l3m2n1o0p9q8r7s6',
  message: 'MFA code required',
} as const;

/** 428: the password (or provider) was right; a second factor is due at `login/mfa/`. */
export const MfaRequiredProblem = Problem.extend({
  requires_mfa: z.literal(true),
  user_id: z.uuid(),
  mfa_token: z.string().openapi({ description: 'Single use, 5 minutes; send it to login/mfa/ with the code' }),
  message: z.string(),
}).openapi('MfaRequiredProblem', { example: MFA_REQUIRED_EXAMPLE });

const problemContent = (schema: z.ZodType = Problem) => ({ [PROBLEM_MEDIA_TYPE]: { schema } });

const retryHeaders = {
  'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } },
};

/** A JSON success answer. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** An error answer of the given problem shape. */
export function problem(description: string, schema: z.ZodType = Problem) {
  return { description, content: problemContent(schema) };
}

type Extra = 'auth' | 'body' | 'rateLimited' | 'locked' | 'mfaRequired' | 'forbidden' | 'notFound' | 'conflict';

/**
 * The error answers a route can give besides its own: 400 (validation) and 503 (a dependency down)
 * everywhere; 401 with a Bearer token; 413/415 with a body; 429, 423, 428 where the route counts,
 * locks or asks for MFA. `more` adds the route's specific ones with their descriptions.
 */
export function errors(extras: Extra[], more: Record<number, ReturnType<typeof problem>> = {}) {
  const has = (extra: Extra) => extras.includes(extra);
  // Every route validates its input: whatever else its 400 means, it may list failing fields.
  const { 400: badRequest, ...specific } = more;
  return {
    400: problem(
      badRequest?.description ?? 'Invalid input (every failing field is listed in `errors`)',
      ValidationProblem,
    ),
    ...(has('auth') ? { 401: problem('Missing, invalid or expired access token, or its session ended') } : {}),
    ...(has('forbidden') ? { 403: problem('Not allowed') } : {}),
    ...(has('notFound') ? { 404: problem('Not found') } : {}),
    ...(has('conflict') ? { 409: problem('Conflict with the current state') } : {}),
    ...(has('body') ? { 413: problem('Body over 16 KiB'), 415: problem('Body not application/json') } : {}),
    ...(has('locked')
      ? { 423: { ...problem('Account locked after too many failures', LockedProblem), headers: retryHeaders } }
      : {}),
    ...(has('mfaRequired') ? { 428: problem('A second factor is required', MfaRequiredProblem) } : {}),
    ...(has('rateLimited') ? { 429: { ...problem('Rate limited'), headers: retryHeaders } } : {}),
    503: problem('A dependency (D1, the lockout counters) is unreachable, or the configuration is invalid'),
    ...specific,
  };
}

export const MessageBody = z.object({ message: z.string() }).openapi('Message');
