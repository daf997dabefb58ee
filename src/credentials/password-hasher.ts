import type { Config } from '../config';
import { base64url, fromBase64url, randomBytes, timingSafeEqual } from '../lib/crypto';
import type { Scope } from '../scope';
import type PasswordHashing from './hashing-worker';
import { deriveKey, type ScryptImplementation, type ScryptParams, withinBounds } from './scrypt';

export type { ScryptParams } from './scrypt';

const SALT_LENGTH = 16;
const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export interface PasswordVerdict {
  valid: boolean;
  /** The stored hash used other parameters than the configured ones and should be replaced. */
  needsRehash: boolean;
}

/** Where the keys are derived: the password-hashing Worker's RPC (`HASHER` binding), when bound. */
export type HashingService = Pick<Service<PasswordHashing>, 'derive'>;

/**
 * scrypt behind a self-describing `$scrypt$ln=..,r=..,p=..$salt$hash` string, whichever
 * implementation (PASSWORD_HASHER) derives the key: both read and write the same strings.
 *
 * The synchronous `scrypt` of @noble/hashes, not `scryptAsync`: the async one yields by reading the
 * clock, and in production workerd the clock stands still during CPU work, so it never yields there
 * and only costs ~20-60% more CPU (bench/RESULTS.md). Either implementation holds the isolate's
 * thread for the whole hash, so with a `HASHER` binding the keys are derived in the password-hashing
 * Worker instead, and this isolate keeps serving other requests; should that Worker be unreachable,
 * the key is derived here (the same key: only where it is computed changes).
 */
export class PasswordHasher {
  constructor(
    private readonly params: ScryptParams,
    private readonly implementation: ScryptImplementation = 'noble',
    private readonly service?: HashingService,
  ) {}

  private async derive(password: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
    if (this.service) {
      let key: Uint8Array | null;
      try {
        key = await this.service.derive(this.implementation, password, salt, params);
      } catch (error) {
        console.error(
          JSON.stringify({
            level: 'error',
            msg: 'password-hashing worker unreachable: hashing here',
            error: String(error),
          }),
        );
        return deriveKey(this.implementation, password, salt, params);
      }
      if (!key) throw new RangeError('scrypt parameters out of bounds');
      return new Uint8Array(key);
    }
    return deriveKey(this.implementation, password, salt, params);
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const { logN, r, p } = this.params;
    const key = await this.derive(password, salt, this.params);
    return `$scrypt$ln=${logN},r=${r},p=${p}$${base64url(salt)}$${base64url(key)}`;
  }

  async verify(password: string, stored: string): Promise<PasswordVerdict> {
    const match = FORMAT.exec(stored);
    if (!match) return { valid: false, needsRehash: false };
    const [, ln, r, p, salt, expected] = match as unknown as [string, string, string, string, string, string];
    const params = { logN: Number(ln), r: Number(r), p: Number(p) };
    if (!withinBounds(params)) return { valid: false, needsRehash: false };
    const key = await this.derive(password, fromBase64url(salt), params);
    const valid = timingSafeEqual(key, fromBase64url(expected));
    const needsRehash = params.logN !== this.params.logN || params.r !== this.params.r || params.p !== this.params.p;
    return { valid, needsRehash };
  }

  /** Spends one hash at the configured cost so that unknown accounts answer in the same time. */
  async burn(password: string): Promise<void> {
    await this.derive(password, randomBytes(SALT_LENGTH), this.params);
  }
}

const hashers = new WeakMap<Config, PasswordHasher>();

/** The isolate's hasher for this configuration (and this environment's HASHER binding, if any). */
export function hasherFor(scope: Pick<Scope, 'config' | 'env'>): PasswordHasher {
  let hasher = hashers.get(scope.config);
  if (!hasher) {
    hasher = new PasswordHasher(scope.config.scrypt, scope.config.passwordHasher, scope.env.HASHER);
    hashers.set(scope.config, hasher);
  }
  return hasher;
}
