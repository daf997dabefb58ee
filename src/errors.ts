import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every problem the API can answer with: one stable machine code, its status and title. */
export const PROBLEMS = {
  validation_failed: [400, 'Validation failed'],
  malformed_json: [400, 'Malformed JSON body'],
  invalid_token: [400, 'Invalid or expired token'],
  invalid_password: [400, 'Invalid password'],
  invalid_mfa_code: [400, 'Invalid MFA code'],
  mfa_not_pending: [400, 'MFA setup not started'],
  mfa_not_enabled: [400, 'MFA not enabled'],
  invalid_oauth_code: [400, 'Invalid authorization code'],
  oauth_email_unverified: [400, 'Provider email not verified'],
  last_sign_in_method: [400, 'Last sign-in method'],
  reauthentication_required: [400, 'Re-authentication required'],
  passkey_rejected: [400, 'Passkey rejected'],
  // Failed sign-ins are 400, not 401: the seed's SPA turns every 401 into a refresh and a redirect,
  // which would swallow the error (SPEC §13). 401 is for access and refresh tokens only.
  invalid_credentials: [400, 'Invalid credentials'],
  invalid_mfa_token: [400, 'Invalid MFA token'],
  unauthorized: [401, 'Authentication required'],
  invalid_refresh_token: [401, 'Invalid refresh token'],
  email_not_verified: [403, 'Email not verified'],
  account_suspended: [403, 'Account suspended'],
  account_disabled: [403, 'Account disabled'],
  account_pending_deletion: [403, 'Account pending deletion'],
  forbidden: [403, 'Forbidden'],
  not_found: [404, 'Not found'],
  provider_not_linked: [404, 'Provider not linked'],
  email_taken: [409, 'Email already registered'],
  deletion_pending: [409, 'Deletion already pending'],
  username_taken: [409, 'Username already taken'],
  conflict: [409, 'Conflict'],
  mfa_already_enabled: [409, 'MFA already enabled'],
  provider_already_linked: [409, 'Provider already linked'],
  oauth_account_in_use: [409, 'Provider account linked to another user'],
  payload_too_large: [413, 'Payload too large'],
  unsupported_media_type: [415, 'Unsupported media type'],
  account_locked: [423, 'Account locked'],
  mfa_required: [428, 'MFA required'],
  rate_limited: [429, 'Too many requests'],
  internal_error: [500, 'Internal server error'],
  provider_not_configured: [501, 'OAuth provider not configured'],
  provider_unavailable: [502, 'OAuth provider unavailable'],
  service_unavailable: [503, 'Service unavailable'],
} as const satisfies Record<string, readonly [ContentfulStatusCode, string]>;

export type ProblemCode = keyof typeof PROBLEMS;
export const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[];

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemOptions {
  /** What the client reads; the title when absent. */
  detail?: string;
  /** Members merged into the body (`errors`, `locked_until`, `mfa_token`...). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Only where the contract gives one code two statuses. */
  status?: ContentfulStatusCode;
  /** Why, precisely: written to the request's log line, never sent. */
  reason?: string;
}

/** An error that maps to one problem+json response. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly reason: string | undefined;

  constructor(
    readonly code: ProblemCode,
    options: ProblemOptions = {},
  ) {
    super(options.detail ?? code);
    const [defaultStatus, title] = PROBLEMS[code];
    this.status = options.status ?? defaultStatus;
    this.title = title;
    this.detail = options.detail;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
    this.reason = options.reason;
  }
}

export function validationError(errors: FieldError[], detail = 'The request is invalid'): ApiError {
  return new ApiError('validation_failed', { detail, extra: { errors } });
}

export function problemBody(error: ApiError) {
  return {
    type: `urn:auth-service:problem:${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.detail ?? error.title,
    code: error.code,
    ...error.extra,
  };
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export function problemResponse(error: ApiError): Response {
  return new Response(JSON.stringify(problemBody(error)), {
    status: error.status,
    headers: { 'Content-Type': PROBLEM_MEDIA_TYPE, ...error.headers },
  });
}
