import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { get, post, problem } from '../helpers/api';
import { signedInUser, sql } from '../helpers/users';

/**
 * The real D1 binding, with the Sessions API constraint of every session opened and every
 * execution (a statement run or a batch) recorded: what a request costs in round trips.
 */
function recordedD1() {
  const record = { constraints: [] as string[], executions: [] as string[] };
  const statement = (inner: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(inner, {
      get(target, property) {
        if (property === 'bind') return (...args: unknown[]) => statement(target.bind(...args));
        if (['first', 'all', 'run', 'raw'].includes(String(property))) {
          return (...args: unknown[]) => {
            record.executions.push(String(property));
            return (target as any)[property](...args);
          };
        }
        const value = (target as any)[property];
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const session = (inner: D1DatabaseSession) => ({
    prepare: (query: string) => statement(inner.prepare(query)),
    batch: (statements: D1PreparedStatement[]) => {
      record.executions.push(`batch of ${statements.length}`);
      return inner.batch(statements);
    },
    getBookmark: () => inner.getBookmark(),
  });
  const db = {
    prepare: (query: string) => statement(env.DB.prepare(query)),
    batch: (statements: D1PreparedStatement[]) => env.DB.batch(statements),
    withSession: (constraint: string) => {
      record.constraints.push(constraint);
      return session(env.DB.withSession(constraint as D1SessionConstraint));
    },
  };
  return { db, record };
}

describe('D1 Sessions API', () => {
  it('lets me/, login-history/ and login-statistics/ start on a replica, in one round trip each', async () => {
    const user = await signedInUser();
    for (const path of ['me/', 'login-history/?limit=5', 'login-statistics/?days=30']) {
      const { db, record } = recordedD1();
      const response = await get(path, { token: user.access_token, env: { DB: db } });
      expect(response.status).toBe(200);
      expect({ path, ...record }).toEqual({
        path,
        constraints: ['first-unconstrained'],
        // me/: the session join; the others: the session check and their reads in one batch.
        executions: [path === 'me/' ? 'raw' : 'batch of 3'],
      });
    }
  });

  it('sends every other request to the primary first', async () => {
    const user = await signedInUser();
    const requests: Array<[string, (db: unknown) => Promise<Response>]> = [
      ['GET sessions/', (db) => get('sessions/', { token: user.access_token, env: { DB: db } })],
      ['POST login/', (db) => post('login', { email: user.email, password: user.password }, { env: { DB: db } })],
      ['POST logout/', (db) => post('logout', {}, { token: user.access_token, env: { DB: db } })],
    ];
    for (const [label, send] of requests) {
      const { db, record } = recordedD1();
      expect((await send(db)).status, label).toBe(200);
      expect(record.constraints, label).toEqual(['first-primary']);
    }
  });

  it('still refuses a revoked, reset or suspended session when the check goes with the read', async () => {
    const revoked = await signedInUser();
    await post('logout', {}, { token: revoked.access_token });
    const suspended = await signedInUser();
    await sql('UPDATE users SET is_suspended = 1 WHERE id = ?', suspended.id).run();
    const reset = await signedInUser();
    await sql('UPDATE users SET security_stamp = security_stamp + 1 WHERE id = ?', reset.id).run();
    for (const user of [revoked, suspended, reset]) {
      for (const path of ['login-history/', 'login-statistics/']) {
        await problem(await get(path, { token: user.access_token }), 401, 'unauthorized');
      }
    }
  });

  it('refuses an idle session when the check goes with the read, as me/ does (SESSION_IDLE_TTL)', async () => {
    const tenMinutes = { SESSION_IDLE_TTL: '600' };
    const user = await signedInUser();
    for (const path of ['me/', 'login-history/', 'login-statistics/']) {
      expect((await get(path, { token: user.access_token, env: tenMinutes })).status, path).toBe(200);
    }
    // Last used eleven minutes ago; the access token itself is still valid.
    await sql('UPDATE sessions SET last_used_at = ? WHERE user_id = ?', Date.now() - 11 * 60_000, user.id).run();
    for (const path of ['me/', 'login-history/', 'login-statistics/']) {
      await problem(await get(path, { token: user.access_token, env: tenMinutes }), 401, 'unauthorized');
    }
  });
});
