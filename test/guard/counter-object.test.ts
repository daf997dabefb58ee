import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { GuardCounter } from '../../src/guard/counter-object';

const stub = (name: string) => env.GUARD.get(env.GUARD.idFromName(name));
const policy = { threshold: 3, lockSeconds: 60 };

describe('GuardCounter Durable Object', () => {
  it('keeps a sliding window: a hit leaves the count exactly one window later', async () => {
    const counter = stub('window-test');
    const t0 = 1_700_000_000_000;
    expect(await counter.hit(2, 10, t0)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await counter.hit(2, 10, t0 + 5_000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await counter.hit(2, 10, t0 + 9_999)).toMatchObject({ allowed: false, resetAt: t0 + 10_000 });
    expect(await counter.hit(2, 10, t0 + 10_000)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('reserves attempts so that failures plus checks in flight never exceed the threshold', async () => {
    const counter = stub('reserve-test');
    const now = Date.now();
    const reservations = await Promise.all(Array.from({ length: 5 }, () => counter.reserveAttempt(policy, now)));
    expect(reservations.filter((r) => r.granted)).toHaveLength(3);
    expect(reservations.filter((r) => !r.granted && r.reason === 'attempts_in_flight')).toHaveLength(2);
    await counter.settleAttempt(policy, 'failure', now);
    await counter.settleAttempt(policy, 'abandoned', now);
    expect(await counter.lockoutState(now)).toEqual({ failures: 1, lockedUntil: null });
    const last = await counter.settleAttempt(policy, 'failure', now);
    expect(last).toEqual({ failures: 2, lockedUntil: null, justLocked: false });
  });

  it('counts refusals during a lock per client, the first of each flagged, and forgets them with the lock', async () => {
    const counter = stub('refusals-test');
    const now = Date.now();
    for (let i = 0; i < 3; i++) {
      await counter.reserveAttempt(policy, now, 'a');
      await counter.settleAttempt(policy, 'failure', now);
    }
    const firsts = [];
    for (const subject of ['a', 'a', 'b', 'a', 'b']) {
      const refusal = await counter.reserveAttempt(policy, now + 1, subject);
      if (refusal.granted || refusal.reason !== 'locked') throw new Error('expected a locked refusal');
      firsts.push(refusal.firstFromSubject);
    }
    expect(firsts).toEqual([true, false, true, false, false]);
    expect(await counter.refuseIfLocked(now + 2, 'c')).toMatchObject({ reason: 'locked', firstFromSubject: true });
    expect(await counter.lockRefusals(now + 2)).toEqual({ refused: 6, subjects: 3 });
    // The lock ends: so does its count, and the next lock starts afresh.
    expect(await counter.refuseIfLocked(now + 60_001, 'a')).toBeNull();
    expect(await counter.lockRefusals(now + 60_001)).toEqual({ refused: 0, subjects: 0 });
    await counter.clearLockout();
  });

  it('wipes its storage by alarm once the lock is over', async () => {
    const counter = stub('alarm-test');
    const past = Date.now() - 120_000;
    for (let i = 0; i < 3; i++) {
      await counter.reserveAttempt(policy, past);
      await counter.settleAttempt(policy, 'failure', past);
    }
    expect(await runDurableObjectAlarm(counter)).toBe(true);
    const rows = await runInDurableObject(counter, (_instance: GuardCounter, state) =>
      state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM lockout').one(),
    );
    expect(rows.n).toBe(0);
  });

  it('keeps a live lock through an early alarm and re-arms it', async () => {
    const counter = stub('alarm-live-test');
    const now = Date.now();
    for (let i = 0; i < 3; i++) {
      await counter.reserveAttempt(policy, now);
      await counter.settleAttempt(policy, 'failure', now);
    }
    await runDurableObjectAlarm(counter);
    const state = await counter.lockoutState(Date.now());
    expect(state.lockedUntil).toBe(now + 60_000);
    const alarm = await runInDurableObject(counter, (_instance: GuardCounter, s) => s.storage.getAlarm());
    expect(alarm).toBe(now + 60_000);
  });
});
