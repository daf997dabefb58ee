import type { Config } from '../config';
import { ApiError } from '../errors';
import { describeError } from '../lib/describe-error';
import type { Scope } from '../scope';
import type { AttemptOutcome, AttemptReservation, GuardCounter, RateDecision } from './counter-object';

export type RateRule = keyof Config['rateLimits'];

function counter(scope: Pick<Scope, 'env'>, key: string): DurableObjectStub<GuardCounter> {
  return scope.env.GUARD.get(scope.env.GUARD.idFromName(key));
}

/**
 * Every counter call fails closed: when the Durable Object cannot be reached the request is 503,
 * never waved through, since an attacker who can degrade the counters must not gain guesses.
 */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', msg: 'guard counter unreachable', error: describeError(error) }));
    throw new ApiError('service_unavailable', {
      detail: 'Abuse protection is temporarily unavailable; try again shortly',
      reason: 'guard_unreachable',
    });
  }
}

function rateHeaders(decision: RateDecision, now: number): Record<string, string> {
  const reset = Math.max(1, Math.ceil((decision.resetAt - now) / 1000));
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(reset),
  };
}

/** Counts one hit of `rule` for `subject`; throws 429 with Retry-After once the limit is reached. */
export async function consumeRateLimit(
  scope: Pick<Scope, 'env' | 'config'>,
  rule: RateRule,
  subject: string,
): Promise<Record<string, string>> {
  const { limit, windowSeconds } = scope.config.rateLimits[rule];
  const now = Date.now();
  const decision = await guarded(() => counter(scope, `rate:${rule}:${subject}`).hit(limit, windowSeconds, now));
  const headers = rateHeaders(decision, now);
  if (!decision.allowed) {
    throw new ApiError('rate_limited', {
      detail: 'Too many requests; retry later',
      headers: { ...headers, 'Retry-After': headers['RateLimit-Reset']! },
      reason: rule,
    });
  }
  return headers;
}

/** Counts one hit of `rule` for `subject` and says whether it was within the limit (never a 429). */
export async function withinBudget(
  scope: Pick<Scope, 'env' | 'config'>,
  rule: RateRule,
  subject: string,
): Promise<boolean> {
  const { limit, windowSeconds } = scope.config.rateLimits[rule];
  const decision = await guarded(() => counter(scope, `rate:${rule}:${subject}`).hit(limit, windowSeconds, Date.now()));
  return decision.allowed;
}

const lockoutKey = (email: string) => `lockout:${email}`;

/**
 * Reserves one credential check for a normalised email (whether or not an account exists).
 * Throws 423 with `locked_until` while locked, without checking anything else.
 */
export async function reserveCredentialCheck(scope: Scope, email: string): Promise<void> {
  const reservation = await guarded<AttemptReservation>(
    async () =>
      (await counter(scope, lockoutKey(email)).reserveAttempt(scope.config.lockout, Date.now())) as AttemptReservation,
  );
  if (reservation.granted) return;
  if (reservation.reason === 'locked' && reservation.lockedUntil) {
    throw lockedError(reservation.lockedUntil);
  }
  throw new ApiError('rate_limited', {
    detail: 'Too many sign-in attempts in progress; retry shortly',
    headers: { 'Retry-After': '1' },
    reason: 'attempts_in_flight',
  });
}

export function lockedError(lockedUntil: number): ApiError {
  const until = new Date(lockedUntil).toISOString();
  return new ApiError('account_locked', {
    detail: `Too many failed attempts; the account is locked until ${until}`,
    extra: { locked_until: until },
    headers: { 'Retry-After': String(Math.max(1, Math.ceil((lockedUntil - Date.now()) / 1000))) },
  });
}

/** Settles a reserved check; returns the lock end when this failure locked the account. */
export async function settleCredentialCheck(
  scope: Scope,
  email: string,
  outcome: AttemptOutcome,
): Promise<number | null> {
  const state = await guarded(() =>
    counter(scope, lockoutKey(email)).settleAttempt(scope.config.lockout, outcome, Date.now()),
  );
  return state.justLocked ? state.lockedUntil : null;
}

/**
 * Runs one credential check under the lockout: reserve (423 while locked), check, settle. The
 * check says whether it succeeded; the lock end is returned when this failure locked the account.
 */
export async function underLockout<T extends { ok: boolean }>(
  scope: Scope,
  email: string,
  check: () => Promise<T>,
  outcomeOf: (result: T) => AttemptOutcome = (result) => (result.ok ? 'success' : 'failure'),
): Promise<{ result: T; lockedUntil: number | null }> {
  await reserveCredentialCheck(scope, email);
  let result: T;
  try {
    result = await check();
  } catch (error) {
    await settleCredentialCheck(scope, email, 'abandoned').catch(() => undefined);
    throw error;
  }
  const lockedUntil = await settleCredentialCheck(scope, email, outcomeOf(result));
  return { result, lockedUntil };
}

export async function clearLockout(scope: Pick<Scope, 'env'>, email: string): Promise<void> {
  await guarded(() => counter(scope, lockoutKey(email)).clearLockout());
}

/** An account changed its address: the new address's lockout starts where the old one's stands. */
export async function carryLockoutOver(scope: Pick<Scope, 'env' | 'config'>, from: string, to: string): Promise<void> {
  const state = await lockoutStatus(scope, from);
  await guarded(() => counter(scope, lockoutKey(to)).adoptLockout(state, scope.config.lockout, Date.now()));
}

export async function lockoutStatus(scope: Pick<Scope, 'env'>, email: string) {
  return guarded(() => counter(scope, lockoutKey(email)).lockoutState(Date.now()));
}
