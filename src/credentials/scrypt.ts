import { scrypt as nodeScrypt } from 'node:crypto';
import { scrypt as nobleScrypt } from '@noble/hashes/scrypt.js';

export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/**
 * Which scrypt computes the key: `noble` (@noble/hashes, pure JavaScript, as designed) or `native`
 * (node:crypto under nodejs_compat, the runtime's own C++). Same function, same bytes.
 */
export const SCRYPT_IMPLEMENTATIONS = ['noble', 'native'] as const;
export type ScryptImplementation = (typeof SCRYPT_IMPLEMENTATIONS)[number];

export const KEY_LENGTH = 32;

/** The bounds the configuration accepts; stored hashes outside them are refused, never computed. */
export function withinBounds({ logN, r, p }: ScryptParams): boolean {
  const integer = (value: number, max: number) => Number.isInteger(value) && value >= 1 && value <= max;
  return integer(logN, 20) && integer(r, 32) && integer(p, 16);
}

/**
 * Derives the scrypt key of a password (NFKC-normalised, UTF-8). Both implementations run on the
 * calling isolate's thread: node:crypto's callback form too (bench/RESULTS.md, "hash-blocks"), so
 * neither lets the isolate serve anything else meanwhile.
 */
export function deriveKey(
  implementation: ScryptImplementation,
  password: string,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Uint8Array> {
  const N = 2 ** params.logN;
  const options = { N, r: params.r, p: params.p, maxmem: N * params.r * 128 * 2 };
  const normalised = password.normalize('NFKC');
  if (implementation === 'native') {
    return new Promise((resolve, reject) =>
      nodeScrypt(normalised, salt, KEY_LENGTH, options, (error, key) =>
        error ? reject(error) : resolve(new Uint8Array(key)),
      ),
    );
  }
  return Promise.resolve(nobleScrypt(normalised, salt, { ...options, dkLen: KEY_LENGTH }));
}
