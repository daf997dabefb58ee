import { loginHistory } from '../db/schema';
import type { Scope } from '../scope';

export type LoginFailureReason =
  | 'invalid_credentials'
  | 'account_locked'
  | 'email_not_verified'
  | 'account_suspended'
  | 'account_disabled'
  | 'invalid_mfa_code';

export type SignInMethod = 'password' | 'mfa' | 'oauth_google' | 'oauth_github';

export interface LoginAttempt {
  email: string;
  userId?: string | null;
  success: boolean;
  failureReason?: LoginFailureReason;
  method: SignInMethod;
  sessionId?: string;
  suspicious?: boolean;
  suspiciousReasons?: string[];
}

/** Writes one login-history row with the caller's IP, geolocation and parsed user agent. */
export function recordLoginAttempt(scope: Scope, attempt: LoginAttempt): void {
  const { client } = scope;
  scope.defer(
    scope.db.insert(loginHistory).values({
      userId: attempt.userId ?? null,
      email: attempt.email,
      success: attempt.success,
      failureReason: attempt.failureReason ?? null,
      method: attempt.method,
      sessionId: attempt.sessionId ?? null,
      ipAddress: client.ip,
      userAgent: client.userAgent,
      device: client.device,
      browser: client.browser,
      browserName: client.browserName,
      os: client.os,
      country: client.country,
      countryCode: client.countryCode,
      city: client.city,
      region: client.region,
      latitude: client.latitude,
      longitude: client.longitude,
      timezone: client.timezone,
      suspicious: attempt.suspicious ?? false,
      suspiciousReasons: attempt.suspiciousReasons?.length ? attempt.suspiciousReasons : null,
      createdAt: new Date(),
    }),
  );
}
