import { scrypt } from '@noble/hashes/scrypt.js';
import type { Config } from '../config';
import { base64url, fromBase64url, randomBytes, timingSafeEqual } from '../lib/crypto';

export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export interface PasswordVerdict {
  valid: boolean;
  /** The stored hash used other parameters than the configured ones and should be replaced. */
  needsRehash: boolean;
}

/**
 * scrypt (@noble/hashes) behind a self-describing `$scrypt$ln=..,r=..,p=..$salt$hash` string.
 *
 * The synchronous `scrypt`, not `scryptAsync`: the async one yields by reading the clock, and in
 * production workerd the clock stands still during CPU work, so it never yields there and only
 * costs ~20-60% more CPU (bench/RESULTS.md). Being synchronous, at most one hash runs per isolate
 * at any time: its 128·r·N bytes (16 MiB at the default) are the whole memory cost.
 */
export class PasswordHasher {
  constructor(private readonly params: ScryptParams) {}

  private async derive(password: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
    return scrypt(password.normalize('NFKC'), salt, {
      N: 2 ** params.logN,
      r: params.r,
      p: params.p,
      dkLen: KEY_LENGTH,
      maxmem: 2 ** params.logN * params.r * 128 * 2,
    });
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

/** The isolate's hasher for this configuration. */
export function hasherFor(config: Config): PasswordHasher {
  let hasher = hashers.get(config);
  if (!hasher) {
    hasher = new PasswordHasher(config.scrypt);
    hashers.set(config, hasher);
  }
  return hasher;
}
