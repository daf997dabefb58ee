/** Bindings and variables the worker receives from wrangler.toml, secrets and `.dev.vars`. */
export interface Env {
  DB: D1Database;
  /** Cloudflare Email Service binding, used when EMAIL_TRANSPORT=cloudflare. */
  EMAIL?: SendEmail;
  GUARD: DurableObjectNamespace<import('./guard/counter-object').GuardCounter>;
  [variable: string]: unknown;
}

/** Hono's environment type for this app: the bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: import('./config').Config;
    auth: import('./auth/require-auth').AuthContext;
    client: import('./lib/client-info').ClientInfo;
    problemCode: string | undefined;
    scope: import('./scope').Scope;
  };
}
