import { DurableObject } from 'cloudflare:workers';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms when the oldest counted hit leaves the window. */
  resetAt: number;
}

export type AttemptReservation =
  | { granted: true }
  | LockedRefusal
  | { granted: false; lockedUntil: null; reason: 'attempts_in_flight' };

/**
 * An attempt refused because the email is locked. Only the first refusal per lock and per client
 * (`subject`: an IP, or a /64) is worth a history row; the others are counted here, so that spraying
 * a locked email from many addresses cannot grow its owner's history.
 */
export interface LockedRefusal {
  granted: false;
  reason: 'locked';
  lockedUntil: number;
  firstFromSubject: boolean;
}

export interface LockoutState {
  failures: number;
  lockedUntil: number | null;
}

export type AttemptOutcome = 'success' | 'failure' | 'abandoned';

export interface LockoutPolicy {
  threshold: number;
  lockSeconds: number;
}

/**
 * One object per counted key (an IP and action, or a normalised email), so every count is updated
 * by a single thread: exact under concurrency. Callers pass their clock (`now`) so that tests and
 * the worker agree on time. State is SQLite-backed and wiped by an alarm once nothing is live.
 */
export class GuardCounter extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.sql = ctx.storage.sql;
    this.createTables();
  }

  private createTables(): void {
    this.sql.exec('CREATE TABLE IF NOT EXISTS hits (at INTEGER NOT NULL)');
    this.sql.exec('CREATE INDEX IF NOT EXISTS hits_at ON hits (at)');
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS lockout (id INTEGER PRIMARY KEY CHECK (id = 1), failures INTEGER NOT NULL, pending INTEGER NOT NULL, locked_until INTEGER, updated_at INTEGER NOT NULL)',
    );
    // Attempts refused during the current lock, per client subject (emptied when a lock starts or ends).
    this.sql.exec('CREATE TABLE IF NOT EXISTS lock_refusals (subject TEXT PRIMARY KEY, refused INTEGER NOT NULL)');
  }

  /** Sliding-window log: counts this hit unless `limit` hits already fall within the window. */
  async hit(limit: number, windowSeconds: number, now: number): Promise<RateDecision> {
    const windowMs = windowSeconds * 1000;
    this.sql.exec('DELETE FROM hits WHERE at <= ?', now - windowMs);
    const row = this.sql
      .exec<{ n: number; oldest: number | null }>('SELECT count(*) AS n, min(at) AS oldest FROM hits')
      .one();
    if (row.n >= limit) {
      return { allowed: false, limit, remaining: 0, resetAt: (row.oldest ?? now) + windowMs };
    }
    this.sql.exec('INSERT INTO hits (at) VALUES (?)', now);
    await this.scheduleCleanup(now + windowMs);
    return { allowed: true, limit, remaining: limit - row.n - 1, resetAt: (row.oldest ?? now) + windowMs };
  }

  private readLockout(now: number): LockoutState & { pending: number } {
    const row = this.sql
      .exec<{ failures: number; pending: number; locked_until: number | null }>(
        'SELECT failures, pending, locked_until FROM lockout WHERE id = 1',
      )
      .toArray()[0];
    if (!row) return { failures: 0, pending: 0, lockedUntil: null };
    if (row.locked_until !== null && row.locked_until <= now) {
      // The lock ran its course: the account starts again from zero.
      this.sql.exec('DELETE FROM lockout WHERE id = 1');
      this.sql.exec('DELETE FROM lock_refusals');
      return { failures: 0, pending: 0, lockedUntil: null };
    }
    return { failures: row.failures, pending: row.pending, lockedUntil: row.locked_until };
  }

  private writeLockout(state: LockoutState & { pending: number }, now: number): void {
    this.sql.exec(
      'INSERT INTO lockout (id, failures, pending, locked_until, updated_at) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET failures = excluded.failures, pending = excluded.pending, locked_until = excluded.locked_until, updated_at = excluded.updated_at',
      state.failures,
      state.pending,
      state.lockedUntil,
      now,
    );
  }

  async lockoutState(now: number): Promise<LockoutState> {
    const { failures, lockedUntil } = this.readLockout(now);
    return { failures, lockedUntil };
  }

  /** Counts one attempt refused by the lock from `subject`; says whether it is the first from there. */
  private refuse(lockedUntil: number, subject: string): LockedRefusal {
    const { refused } = this.sql
      .exec<{ refused: number }>(
        'INSERT INTO lock_refusals (subject, refused) VALUES (?, 1) ON CONFLICT (subject) DO UPDATE SET refused = refused + 1 RETURNING refused',
        subject,
      )
      .one();
    return { granted: false, reason: 'locked', lockedUntil, firstFromSubject: refused === 1 };
  }

  /**
   * For sign-ins that check no credential (a provider, a passkey): null when the email is not
   * locked; otherwise the refusal, counted like a refused credential check.
   */
  async refuseIfLocked(now: number, subject: string): Promise<LockedRefusal | null> {
    const { lockedUntil } = this.readLockout(now);
    return lockedUntil === null ? null : this.refuse(lockedUntil, subject);
  }

  /** Attempts refused during the current lock: how many, from how many clients. */
  async lockRefusals(now: number): Promise<{ refused: number; subjects: number }> {
    this.readLockout(now);
    return this.sql
      .exec<{ refused: number; subjects: number }>(
        'SELECT coalesce(sum(refused), 0) AS refused, count(*) AS subjects FROM lock_refusals',
      )
      .one();
  }

  /**
   * Reserves one credential check. Failures plus checks still in flight may not exceed the
   * threshold, so concurrent guesses cannot slip past the lock. A locked account is refused
   * without touching its state (attempts during a lock do not extend it), only counted per `subject`.
   */
  async reserveAttempt(policy: LockoutPolicy, now: number, subject = 'unknown'): Promise<AttemptReservation> {
    const state = this.readLockout(now);
    if (state.lockedUntil !== null) return this.refuse(state.lockedUntil, subject);
    if (state.failures + state.pending >= policy.threshold) {
      return { granted: false, lockedUntil: null, reason: 'attempts_in_flight' };
    }
    this.writeLockout({ ...state, pending: state.pending + 1 }, now);
    // A reservation whose worker died would block the account; the alarm releases it.
    await this.scheduleCleanup(now + policy.lockSeconds * 1000);
    return { granted: true };
  }

  /**
   * Settles a reserved check. `abandoned` only frees the reservation: for a check that crashed (an
   * outage must not lock accounts) and for a right password that still awaits its MFA code (only the
   * full sign-in may clear the failures, or a password holder could reset them between guesses). Returns the state after it and whether this locked the account.
   */
  async settleAttempt(
    policy: LockoutPolicy,
    outcome: AttemptOutcome,
    now: number,
  ): Promise<LockoutState & { justLocked: boolean }> {
    const state = this.readLockout(now);
    const pending = Math.max(0, state.pending - 1);
    if (outcome === 'abandoned') {
      this.writeLockout({ ...state, pending }, now);
      return { failures: state.failures, lockedUntil: state.lockedUntil, justLocked: false };
    }
    if (outcome === 'success') {
      this.writeLockout({ failures: 0, pending, lockedUntil: null }, now);
      return { failures: 0, lockedUntil: null, justLocked: false };
    }
    const failures = state.failures + 1;
    const justLocked = state.lockedUntil === null && failures >= policy.threshold;
    const lockedUntil = justLocked ? now + policy.lockSeconds * 1000 : state.lockedUntil;
    this.writeLockout({ failures, pending, lockedUntil }, now);
    if (justLocked) this.sql.exec('DELETE FROM lock_refusals');
    if (lockedUntil) await this.scheduleCleanup(lockedUntil);
    return { failures, lockedUntil, justLocked };
  }

  /**
   * The account behind this key's email moved here from another address (account self-service):
   * take on that address's failures and lock, whichever is further along, so that changing the
   * address is never a way out of a lockout.
   */
  async adoptLockout(from: LockoutState, policy: LockoutPolicy, now: number): Promise<void> {
    if (from.failures === 0 && from.lockedUntil === null) return;
    const state = this.readLockout(now);
    const lockedUntil = Math.max(state.lockedUntil ?? 0, from.lockedUntil ?? 0) || null;
    this.writeLockout({ failures: Math.max(state.failures, from.failures), pending: state.pending, lockedUntil }, now);
    await this.scheduleCleanup(lockedUntil ?? now + policy.lockSeconds * 1000);
  }

  /** A successful sign-in elsewhere or a password reset: forget failures and any lock. */
  async clearLockout(): Promise<void> {
    this.sql.exec('DELETE FROM lockout WHERE id = 1');
    this.sql.exec('DELETE FROM lock_refusals');
  }

  private async scheduleCleanup(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current < at) await this.ctx.storage.setAlarm(at);
  }

  /** Fires once the latest window or lock has ended (each write pushes it later): wipe the object. */
  override async alarm(): Promise<void> {
    const lock = this.sql
      .exec<{ locked_until: number | null }>('SELECT locked_until FROM lockout WHERE id = 1')
      .toArray()[0];
    if (lock?.locked_until && lock.locked_until > Date.now()) {
      await this.ctx.storage.setAlarm(lock.locked_until);
      return;
    }
    await this.ctx.storage.deleteAll();
    this.createTables();
  }
}
