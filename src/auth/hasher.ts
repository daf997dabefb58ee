import type { Config } from '../config';
import { PasswordHasher } from './password-hasher';

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
