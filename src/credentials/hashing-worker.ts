import { WorkerEntrypoint } from 'cloudflare:workers';
import { deriveKey, type ScryptImplementation, type ScryptParams, withinBounds } from './scrypt';

/**
 * The password-hashing Worker (hasher.wrangler.toml), reached by the service only through its
 * `HASHER` service binding (no route, no workers.dev URL). A synchronous scrypt holds its isolate
 * for its whole run; here it holds this Worker's isolate, so the service's own isolate keeps
 * serving reads (me/, refresh/, history) while sign-ins hash. Stateless: it derives a key from what
 * it is given and keeps nothing; the stored format and every decision stay in the service.
 */
export default class PasswordHashing extends WorkerEntrypoint {
  /** The key, or null for parameters beyond the configurable bounds (never computed). */
  async derive(
    implementation: ScryptImplementation,
    password: string,
    salt: Uint8Array,
    params: ScryptParams,
  ): Promise<Uint8Array | null> {
    if (!withinBounds(params)) return null;
    return deriveKey(implementation === 'native' ? 'native' : 'noble', password, salt, params);
  }

  override async fetch(): Promise<Response> {
    return new Response(null, { status: 404 });
  }
}
