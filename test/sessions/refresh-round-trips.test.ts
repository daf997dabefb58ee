import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { problem } from '../helpers/api';
import { advanceClock, refresh, refreshed } from '../helpers/sessions';
import { signedInUser } from '../helpers/users';

afterEach(() => vi.useRealTimers());

const EXECUTIONS = new Set(['all', 'raw', 'run', 'first']);

/**
 * The real D1 binding, counting its round trips: each executed statement and each batch (whatever
 * it holds) is one. Everything is delegated; nothing is answered in its place.
 */
function countingD1(real: D1Database) {
  let roundTrips = 0;
  const unwrapped = new WeakMap<object, D1PreparedStatement>();
  const statement = (real: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = new Proxy(real, {
      get(target, property) {
        if (property === 'bind') return (...values: unknown[]) => statement(target.bind(...values));
        const value = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        if (typeof property === 'string' && EXECUTIONS.has(property)) roundTrips++;
        return value.bind(target);
      },
    });
    unwrapped.set(wrapped, real);
    return wrapped;
  };
  // Requests read through a D1 session (Sessions API, src/db/client.ts): it is counted the same way.
  const database = <T extends D1Database | D1DatabaseSession>(real: T): T =>
    new Proxy(real, {
      get(target, property) {
        if (property === 'prepare') return (query: string) => statement(target.prepare(query));
        if (property === 'batch') {
          return (statements: D1PreparedStatement[]) => {
            roundTrips++;
            return target.batch(statements.map((each) => unwrapped.get(each) ?? each));
          };
        }
        if (property === 'withSession' && 'withSession' in target) {
          return (constraint?: D1SessionConstraint) => database(target.withSession(constraint));
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return {
    options: { env: { DB: database(real) } },
    take() {
      const taken = roundTrips;
      roundTrips = 0;
      return taken;
    },
  };
}

describe('refresh/ costs at most two D1 round trips (issue 19)', () => {
  it('one for a rotation and for a grace replay, none for a forged token, two for reuse (plus its audit row)', async () => {
    const d1 = countingD1(env.DB);
    const user = await signedInUser();
    const child = await refreshed(user.refresh_token, d1.options);
    expect(d1.take()).toBe(1);
    expect((await refreshed(user.refresh_token, d1.options)).refresh_token).toBe(child.refresh_token);
    expect(d1.take()).toBe(1);
    await problem(await refresh(`${child.refresh_token.slice(0, -2)}AA`, d1.options), 401, 'invalid_refresh_token');
    expect(d1.take()).toBe(0);
    advanceClock(31_000);
    await problem(await refresh(user.refresh_token, d1.options), 401, 'invalid_refresh_token');
    // The rotation's read, the revocation, then the audit entry written after the answer.
    expect(d1.take()).toBe(3);
  });
});
