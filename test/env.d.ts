import type { D1Migration } from 'cloudflare:test';
import type PasswordHashing from '../src/credentials/hashing-worker';
import type { GuardCounter } from '../src/guard/counter-object';

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      GUARD: DurableObjectNamespace<GuardCounter>;
      HASHER?: Service<PasswordHashing>;
      TEST_MIGRATIONS: D1Migration[];
      [variable: string]: unknown;
    }
  }
}
