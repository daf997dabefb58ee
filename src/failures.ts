import { ApiError, type ProblemCode, type ProblemOptions } from './errors';

const PASSKEY_SIGN_IN_FAILED = 'The passkey could not be verified; try again';

/**
 * The one map from internal failure reasons to what the client sees. Reasons are precise (for the
 * log line and the audit trail); the wire answer is deliberately generic where telling them apart
 * would help an attacker (which check failed, whether an account exists).
 */
const FAILURES = {
  // Password sign-in: identical answers for every reason.
  unknown_email: ['invalid_credentials', 'Invalid email or password'],
  no_password: ['invalid_credentials', 'Invalid email or password'],
  wrong_password: ['invalid_credentials', 'Invalid email or password'],
  // Passkey sign-in (login/passkey/): one answer whatever failed; the reason names the check.
  passkey_malformed_response: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_challenge_invalid: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_unknown: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_wrong_ceremony: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_challenge_mismatch: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_origin_mismatch: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_rp_id_mismatch: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_user_not_present: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_user_not_verified: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_unsupported_algorithm: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_credential_mismatch: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_user_handle_mismatch: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_bad_signature: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  passkey_counter_regression: ['invalid_credentials', PASSKEY_SIGN_IN_FAILED],
  // The account itself refuses, whatever the credentials (SPEC §4: 403).
  account_disabled: ['account_disabled', 'This account has been disabled'],
  account_suspended: ['account_suspended', 'This account is suspended'],
  email_not_verified: ['email_not_verified', 'Please verify your email address before signing in'],
  account_pending_deletion: [
    'account_pending_deletion',
    'This account is scheduled for deletion; use the link in the email we sent to cancel it',
  ],
  // Access tokens: one 401 for all.
  missing_bearer: ['unauthorized', 'A Bearer access token is required'],
  malformed: ['unauthorized', 'The access token is invalid or expired'],
  expired: ['unauthorized', 'The access token is invalid or expired'],
  bad_signature: ['unauthorized', 'The access token is invalid or expired'],
  unknown_key: ['unauthorized', 'The access token is invalid or expired'],
  wrong_type: ['unauthorized', 'The access token is invalid or expired'],
  invalid_claims: ['unauthorized', 'The access token is invalid or expired'],
  session_not_live: ['unauthorized', 'The access token is invalid or expired'],
  account_unavailable: ['unauthorized', 'The access token is invalid or expired'],
  // Refresh tokens: one 401 for all (issue 15 adds the cookie's two).
  refresh_unknown_or_expired: ['invalid_refresh_token', 'The refresh token is invalid, expired or revoked'],
  refresh_forged: ['invalid_refresh_token', 'The refresh token is invalid, expired or revoked'],
  refresh_session_revoked: ['invalid_refresh_token', 'The refresh token is invalid, expired or revoked'],
  refresh_session_expired: ['invalid_refresh_token', 'The refresh token is invalid, expired or revoked'],
  refresh_session_idle: ['invalid_refresh_token', 'The refresh token is invalid, expired or revoked'],
  refresh_session_stamp_changed: ['invalid_refresh_token', 'The refresh token is invalid, expired or revoked'],
  refresh_reused: ['invalid_refresh_token', 'The refresh token is invalid, expired or revoked'],
  refresh_not_in_chain: ['invalid_refresh_token', 'The refresh token is invalid, expired or revoked'],
  refresh_account_unavailable: ['invalid_refresh_token', 'The refresh token is invalid, expired or revoked'],
  refresh_missing: ['invalid_refresh_token', 'No refresh token: none in the body and no refresh cookie'],
  refresh_cookie_origin: ['forbidden', 'A refresh by cookie needs an allowed Origin'],
  // The MFA step of a sign-in.
  mfa_token_unknown: ['invalid_mfa_token', 'The MFA token is invalid, used or expired; sign in again'],
  mfa_token_consumed: ['invalid_mfa_token', 'The MFA token is invalid, used or expired; sign in again'],
  code_wrong: ['invalid_mfa_code', 'The code is wrong, expired or already used'],
  code_replayed: ['invalid_mfa_code', 'The code is wrong, expired or already used'],
  code_no_secret: ['invalid_mfa_code', 'The code is wrong, expired or already used'],
  // A signed-in user's current password, confirming a change.
  current_password_wrong: ['invalid_password', 'The password is incorrect'],
  // Single-use links.
  verification_link_invalid: ['invalid_token', 'The verification link is invalid, used or expired'],
  decline_link_invalid: ['invalid_token', 'The link is invalid, used or expired'],
  reset_link_invalid: ['invalid_token', 'The reset link is invalid, used or expired'],
  // Account self-service (issue 17).
  email_change_link_invalid: ['invalid_token', 'The confirmation link is invalid, used or expired'],
  deletion_cancel_link_invalid: [
    'invalid_token',
    'The link is invalid, used or expired, or the account was already erased or restored',
  ],
  link_revocation_invalid: [
    'invalid_token',
    'The link is invalid, used or expired, or the provider is no longer linked',
  ],
  // LTI 1.3: the one-time code a launch hands the SPA.
  lti_code_invalid: [
    'invalid_token',
    'The LTI code is invalid, used or expired; open the activity again from your course',
  ],
} as const satisfies Record<string, readonly [ProblemCode, string]>;

export type FailureReason = keyof typeof FAILURES;

/** The wire problem of an internal reason; the reason itself goes to the log line only. */
export function failure(reason: FailureReason, options: Omit<ProblemOptions, 'reason'> = {}): ApiError {
  const [code, detail] = FAILURES[reason];
  return new ApiError(code, { detail, ...options, reason });
}
