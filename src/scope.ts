import type { Context } from 'hono';
import type { Config } from './config';
import { type Database, openDatabase } from './db/client';
import type { AppEnv, Env } from './env';
import type { ClientInfo } from './lib/client-info';
import { describeError } from './lib/describe-error';

/** What a service needs from the request it serves, without depending on Hono. */
export interface Scope {
  env: Env;
  db: Database;
  config: Config;
  client: ClientInfo;
  requestId: string;
  /** Work that must finish but must not delay the response (emails, audit, bookkeeping). */
  defer: (work: Promise<unknown>) => void;
}

/** The request's scope, built once per request (middleware and handler share it). */
export function scopeOf(c: Context<AppEnv>): Scope {
  const existing = c.get('scope');
  if (existing) return existing;
  const requestId = c.get('requestId');
  const scope: Scope = {
    env: c.env,
    // Only reads a route opted in (`readsFromReplica`) may start on a replica; everything else,
    // and every write, goes to the primary (see README, "Reads and D1 replicas").
    db: openDatabase(c.env.DB, c.get('replicaReads') ? 'first-unconstrained' : 'first-primary'),
    config: c.get('config'),
    client: c.get('client'),
    requestId,
    defer: (work) =>
      c.executionCtx.waitUntil(
        work.catch((error: unknown) =>
          console.error(
            JSON.stringify({
              level: 'error',
              msg: 'deferred work failed',
              request_id: requestId,
              error: describeError(error),
            }),
          ),
        ),
      ),
  };
  c.set('scope', scope);
  return scope;
}
