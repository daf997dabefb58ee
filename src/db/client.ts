import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

export type Database = ReturnType<typeof openDatabase>;

/**
 * Where a request's first read may go once D1 read replication is on (D1 Sessions API):
 * `first-primary` reads the latest data; `first-unconstrained` may be served by a nearby replica,
 * which can lag the primary. Within one request's session every read sees the request's own
 * writes and every earlier read (sequential consistency), whatever the first one was.
 */
export type ReadConsistency = 'first-primary' | 'first-unconstrained';

/**
 * The drizzle database of a request. With `consistency`, its queries run in one D1 session
 * (`withSession`); without it (scripts, the scheduled purge) on the binding itself, which always
 * goes to the primary.
 */
export function openDatabase(d1: D1Database, consistency?: ReadConsistency) {
  // drizzle only calls prepare() and batch(), which a D1 session has too.
  const client = consistency ? (d1.withSession(consistency) as unknown as D1Database) : d1;
  return drizzle(client, { schema });
}
