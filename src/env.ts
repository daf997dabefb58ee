import type { Config, ConfigVariables } from './config';
import type PasswordHashing from './credentials/hashing-worker';
import type { GuardCounter } from './guard/counter-object';
import type { ClientInfo } from './lib/client-info';
import type { AuthContext } from './middleware/require-auth';
import type { Scope } from './scope';
import type { AccessClaims } from './tokens/access-token';

/** The worker's bindings, from wrangler.toml. */
export interface Bindings {
  DB: D1Database;
  /** Cloudflare Email Service binding, used when EMAIL_TRANSPORT=cloudflare. */
  EMAIL?: SendEmail;
  GUARD: DurableObjectNamespace<GuardCounter>;
  /** The password-hashing Worker (hasher.wrangler.toml); without it, passwords are hashed in this isolate. */
  HASHER?: Service<PasswordHashing>;
}

/** Bindings plus the variables and secrets the configuration parser reads (all strings). */
export type Env = Bindings & ConfigVariables;

/** Hono's environment type for this app: the bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    auth: AuthContext;
    client: ClientInfo;
    /** The problem answered, if any, for the log line: its code and the internal reason. */
    problem: { code: string; reason: string | undefined } | undefined;
    scope: Scope;
    /** Set by `readsFromReplica()`: this GET may read a D1 replica (see src/db/client.ts). */
    replicaReads: boolean | undefined;
    /** A verified access token whose session the handler checks with its own read (`readWithLiveSession`). */
    claims: AccessClaims | undefined;
    /** The request's rate-limit hit when its route overlaps it with its own work (`rateLimit`). */
    admission: Promise<unknown> | undefined;
  };
}
