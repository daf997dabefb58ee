import type { Config } from '../config';
import { ApiError } from '../errors';
import { ipSubject } from '../lib/client-info';
import { describeError } from '../lib/describe-error';
import type { Scope } from '../scope';
import type { AttemptOutcome, AttemptReservation, GuardCounter, LockedRefusal, RateDecision } from './counter-object';

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
/** Whom a refusal during a lock is counted for: the client's IP (IPv6: its /64). */
const refusalSubject = (scope: Pick<Scope, 'client'>) => ipSubject(scope.client.ip) ?? 'unknown';

/**
 * 423 for a locked email. `firstFromClient` is false for every refusal after the first one from the
 * same client during this lock: those are counted by the lockout object, not written to history.
 */
export class AccountLockedError extends ApiError {
  constructor(
    lockedUntil: number,
    readonly firstFromClient = true,
  ) {
    const until = new Date(lockedUntil).toISOString();
    super('account_locked', {
      detail: `Too many failed attempts; the account is locked until ${until}`,
      extra: { locked_until: until },
      headers: { 'Retry-After': String(Math.max(1, Math.ceil((lockedUntil - Date.now()) / 1000))) },
      reason: firstFromClient ? undefined : 'locked_repeat_refusal',
    });
  }
}

function lockedRefusal(refusal: LockedRefusal): AccountLockedError {
  return new AccountLockedError(refusal.lockedUntil, refusal.firstFromSubject);
}

/**
 * Reserves one credential check for a normalised email (whether or not an account exists).
 * Throws 423 with `locked_until` while locked, without checking anything else.
 */
export async function reserveCredentialCheck(scope: Scope, email: string): Promise<void> {
  const reservation = await guarded<AttemptReservation>(
    async () =>
      (await counter(scope, lockoutKey(email)).reserveAttempt(
        scope.config.lockout,
        Date.now(),
        refusalSubject(scope),
      )) as AttemptReservation,
  );
  if (reservation.granted) return;
  if (reservation.reason === 'locked') throw lockedRefusal(reservation);
  throw new ApiError('rate_limited', {
    detail: 'Too many sign-in attempts in progress; retry shortly',
    headers: { 'Retry-After': '1' },
    reason: 'attempts_in_flight',
  });
}

/**
 * For sign-ins that check no credential: throws 423 while the email is locked, the refusal counted
 * like a refused credential check (`firstFromClient` says whether to record it).
 */
export async function refuseWhileLocked(scope: Scope, email: string): Promise<void> {
  const refusal = await guarded(() =>
    counter(scope, lockoutKey(email)).refuseIfLocked(Date.now(), refusalSubject(scope)),
  );
  if (refusal) throw lockedRefusal(refusal as LockedRefusal);
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

export interface LockoutOptions<T> {
  outcomeOf?: (result: T) => AttemptOutcome;
  /**
   * Work that must succeed before the check runs (the request's rate limit), sent alongside the
   * reservation so that both cost one round trip. When it fails, the reservation is released and
   * its error wins over the lock's.
   */
  alongside?: Promise<unknown>;
  /**
   * `after-answer`: the settle goes out after the response (deferred). Safe for the count: until it
   * lands, the check still holds its reservation, so failures plus checks in flight cannot exceed
   * the threshold meanwhile. `onSettled` then gets the lock end, if this failure locked the email.
   */
  settle?: 'before-answer' | 'after-answer';
  onSettled?: (result: T, lockedUntil: number | null) => void;
}

/**
 * Runs one credential check under the lockout: reserve (423 while locked), check, settle. The
 * check says whether it succeeded; the lock end is returned when this failure locked the account
 * (always null when the settle comes after the answer: see `onSettled`).
 */
export async function underLockout<T extends { ok: boolean }>(
  scope: Scope,
  email: string,
  check: () => Promise<T>,
  options: LockoutOptions<T> = {},
): Promise<{ result: T; lockedUntil: number | null }> {
  const outcomeOf = options.outcomeOf ?? ((result: T) => (result.ok ? 'success' : 'failure'));
  const [reserved, admitted] = await Promise.allSettled([
    reserveCredentialCheck(scope, email),
    options.alongside ?? Promise.resolve(),
  ]);
  if (admitted.status === 'rejected') {
    if (reserved.status === 'fulfilled') await settleCredentialCheck(scope, email, 'abandoned').catch(() => undefined);
    throw admitted.reason;
  }
  if (reserved.status === 'rejected') throw reserved.reason;
  let result: T;
  try {
    result = await check();
  } catch (error) {
    await settleCredentialCheck(scope, email, 'abandoned').catch(() => undefined);
    throw error;
  }
  if (options.settle === 'after-answer') {
    scope.defer(
      settleCredentialCheck(scope, email, outcomeOf(result)).then((lockedUntil) =>
        options.onSettled?.(result, lockedUntil),
      ),
    );
    return { result, lockedUntil: null };
  }
  const lockedUntil = await settleCredentialCheck(scope, email, outcomeOf(result));
  options.onSettled?.(result, lockedUntil);
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
