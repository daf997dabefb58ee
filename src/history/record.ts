import { audit } from '../audit/log';
import { loginHistory, type User } from '../db/schema';
import { sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { withinBudget } from '../guard/guard';
import { ipSubject } from '../lib/client-info';
import type { Scope } from '../scope';
import { countInDailyRollup } from './daily-rollup';
import { assessSignIn, type SuspicionReason } from './suspicion';

export type LoginFailureReason =
  | 'invalid_credentials'
  | 'account_locked'
  | 'email_not_verified'
  | 'account_suspended'
  | 'account_disabled'
  | 'account_pending_deletion'
  | 'invalid_mfa_code';

export type SignInMethod = 'password' | 'mfa' | 'oauth_google' | 'oauth_github' | 'passkey' | 'lti';

export interface LoginAttempt {
  email: string;
  userId?: string | null;
  success: boolean;
  failureReason?: LoginFailureReason;
  method: SignInMethod;
  /** Which one, for methods that have several (the LTI platform's name). */
  methodDetail?: string;
  sessionId?: string;
  suspicious?: boolean;
  suspiciousReasons?: string[];
}

/** Writes one login-history row with the caller's IP, geolocation and parsed user agent. */
export function recordLoginAttempt(scope: Scope, attempt: LoginAttempt): void {
  scope.defer(insertAttempt(scope, attempt));
}

/** An address that matches no account is the client's own text: stored short. */
const MAX_UNKNOWN_EMAIL = 100;

/** Failed credential checks go to the audit log too; refusals for the account's state only to history. */
const AUDITED_FAILURES: readonly LoginFailureReason[] = ['invalid_credentials', 'invalid_mfa_code'];

/**
 * Records a refused sign-in in the history, and a failed credential check in the audit log too
 * (after the response). Attempts on
 * emails with no account belong to nobody's history and cost rows an attacker chooses, so each IP
 * gets a budget of them (RATE_LIMIT_UNKNOWN_EMAIL_RECORDS_IP); past it they are only counted.
 */
export function recordFailedSignIn(
  scope: Scope,
  attempt: {
    email: string;
    user?: User;
    reason: LoginFailureReason;
    method: SignInMethod;
    methodDetail?: string;
    detail?: string;
  },
): void {
  scope.defer(
    (async () => {
      if (!attempt.user) {
        const subject = ipSubject(scope.client.ip) ?? 'unknown';
        if (!(await withinBudget(scope, 'unknownEmailRecordsPerIp', subject))) return;
      }
      const email = attempt.user ? attempt.user.email : attempt.email.slice(0, MAX_UNKNOWN_EMAIL);
      if (AUDITED_FAILURES.includes(attempt.reason)) {
        audit(scope, 'login.failed', {
          userId: attempt.user?.id,
          details: { reason: attempt.detail ?? attempt.reason, email },
        });
      }
      await insertAttempt(scope, {
        email,
        userId: attempt.user?.id,
        success: false,
        failureReason: attempt.reason,
        method: attempt.method,
        methodDetail: attempt.methodDetail,
      });
    })(),
  );
}

function insertAttempt(scope: Scope, attempt: LoginAttempt) {
  const { client } = scope;
  const createdAt = new Date();
  const history = scope.db.insert(loginHistory).values({
    userId: attempt.userId ?? null,
    email: attempt.email,
    success: attempt.success,
    failureReason: attempt.failureReason ?? null,
    method: attempt.method,
    methodDetail: attempt.methodDetail ?? null,
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
    createdAt,
  });
  if (!attempt.userId) return history;
  // One batch is one transaction: the roll-up never counts a row that was not written, nor misses one.
  return scope.db.batch([
    history,
    countInDailyRollup(scope.db, attempt.userId, createdAt, {
      success: attempt.success,
      device: client.device,
      browserName: client.browserName,
      country: client.country,
    }),
  ]);
}

const REASON_TEXT: Record<'en' | 'fr', Record<SuspicionReason, string>> = {
  en: { new_country: 'a new country', new_device: 'a new device', impossible_travel: 'an impossible travel speed' },
  fr: {
    new_country: 'un nouveau pays',
    new_device: 'un nouvel appareil',
    impossible_travel: 'un déplacement impossible',
  },
};

/**
 * Records a successful sign-in after the response: compares it with the earlier ones first (so
 * the login itself never waits for the analysis), flags it, and alerts the owner when suspicious.
 */
export function recordSuccessfulSignIn(
  scope: Scope,
  user: User,
  method: SignInMethod,
  sessionId: string,
  methodDetail?: string,
): void {
  const now = Date.now();
  scope.defer(
    (async () => {
      const reasons = await assessSignIn(scope, user.id, scope.client, now);
      await insertAttempt(scope, {
        email: user.email,
        userId: user.id,
        success: true,
        method,
        methodDetail,
        sessionId,
        suspicious: reasons.length > 0,
        suspiciousReasons: reasons,
      });
      if (reasons.length === 0) return;
      const { client } = scope;
      audit(scope, 'login.suspicious', { userId: user.id, details: { session_id: sessionId, reasons } });
      sendEmail(
        scope,
        user,
        'security_alert',
        {
          username: user.username,
          time: emailTime(now),
          location: client.location ?? '?',
          device: client.device,
          browser: client.browser ?? '?',
          ip: client.ip ?? '?',
          reasons: reasons.map((reason) => REASON_TEXT[user.locale][reason]).join(', '),
        },
        { action: `${scope.config.appUrl}/settings/sessions` },
      );
    })(),
  );
}
