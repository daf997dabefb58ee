import { type CryptoKey, importJWK, type JWK } from 'jose';
import { checkPlatformUrl } from './url-policy';

/**
 * The platforms' signing keys, read from their JWKS URLs. LTI 1.3 platforms sign with RS256
 * (Security Framework §6.1), a few with ES256; anything else, `none` and HMAC first of all, is
 * refused before a key is even looked up, so a token cannot choose how it is checked.
 */
export const PLATFORM_ALGORITHMS = ['RS256', 'ES256'] as const;
export type PlatformAlgorithm = (typeof PLATFORM_ALGORITHMS)[number];

export type JwksFetchCause = 'timeout' | 'network' | 'http_status' | 'malformed';

export type KeyFailure =
  | { ok: false; reason: 'alg_not_allowed'; alg: string }
  | { ok: false; reason: 'missing_kid' }
  | { ok: false; reason: 'unknown_kid'; kid: string }
  | { ok: false; reason: 'insecure_jwks_url' }
  | { ok: false; reason: 'jwks_unavailable'; cause: JwksFetchCause; status?: number };

export type KeyLookup = { ok: true; key: CryptoKey; alg: PlatformAlgorithm } | KeyFailure;

export interface PlatformKeys {
  /** The key named by a token's protected header, from the platform's JWKS. */
  keyFor(jwksUrl: string, header: { alg?: unknown; kid?: unknown }): Promise<KeyLookup>;
  /** Drops a cached key set (after an admin changes the platform's JWKS URL, for instance). */
  forget(jwksUrl: string): void;
}

export interface PlatformKeysOptions {
  /** How long a fetched key set is trusted before it is fetched again. */
  ttlMs?: number;
  /**
   * An unknown `kid` refetches the set once (the platform may have rotated its key), but not
   * when the cached set is younger than this: tokens with made-up `kid`s must not make us hammer
   * the platform.
   */
  refetchCooldownMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

const MAX_JWKS_BYTES = 256 * 1024;

interface KeySet {
  fetchedAt: number;
  keys: JWK[];
  imported: Map<string, Promise<CryptoKey | null>>;
}
type SetLoad = { ok: true; set: KeySet } | Extract<KeyFailure, { reason: 'jwks_unavailable' }>;

export function platformKeys(options: PlatformKeysOptions = {}): PlatformKeys {
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const cooldownMs = options.refetchCooldownMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  // Read at each call (not captured), so that a moved clock (tests, fake timers) is seen.
  const now = options.now ?? (() => Date.now());
  const sets = new Map<string, KeySet>();
  const loading = new Map<string, Promise<SetLoad>>();

  /** Concurrent launches of one platform share a single fetch. */
  function load(url: string): Promise<SetLoad> {
    let pending = loading.get(url);
    if (!pending) {
      pending = fetchKeySet(url, timeoutMs, now).finally(() => loading.delete(url));
      loading.set(url, pending);
    }
    return pending.then((result) => {
      if (result.ok) sets.set(url, result.set);
      return result;
    });
  }

  return {
    async keyFor(jwksUrl, header) {
      const alg = header.alg;
      if (typeof alg !== 'string' || !(PLATFORM_ALGORITHMS as readonly string[]).includes(alg)) {
        return { ok: false, reason: 'alg_not_allowed', alg: String(alg) };
      }
      const kid = header.kid;
      if (typeof kid !== 'string' || kid.length === 0) return { ok: false, reason: 'missing_kid' };
      if (!checkPlatformUrl(jwksUrl).ok) return { ok: false, reason: 'insecure_jwks_url' };

      let set = sets.get(jwksUrl);
      if (!set || now() - set.fetchedAt >= ttlMs) {
        const loaded = await load(jwksUrl);
        if (!loaded.ok) return loaded;
        set = loaded.set;
      }
      let key = await keyIn(set, kid, alg as PlatformAlgorithm);
      if (!key && now() - set.fetchedAt >= cooldownMs) {
        const reloaded = await load(jwksUrl);
        if (!reloaded.ok) return reloaded;
        key = await keyIn(reloaded.set, kid, alg as PlatformAlgorithm);
      }
      return key ? { ok: true, key, alg: alg as PlatformAlgorithm } : { ok: false, reason: 'unknown_kid', kid };
    },
    forget(jwksUrl) {
      sets.delete(jwksUrl);
    },
  };
}

/** One cache per isolate: every launch in this isolate shares the platforms' key sets. */
export const sharedPlatformKeys: PlatformKeys = platformKeys();

async function fetchKeySet(url: string, timeoutMs: number, now: () => number): Promise<SetLoad> {
  const unavailable = (cause: JwksFetchCause, status?: number): SetLoad => ({
    ok: false,
    reason: 'jwks_unavailable',
    cause,
    ...(status === undefined ? {} : { status }),
  });
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    return unavailable(isTimeout(error) ? 'timeout' : 'network');
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    return unavailable('http_status', response.status);
  }
  let body: unknown;
  try {
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) return unavailable('malformed');
    body = JSON.parse(text);
  } catch (error) {
    return unavailable(isTimeout(error) ? 'timeout' : 'malformed');
  }
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return unavailable('malformed');
  const usable = keys.filter((key): key is JWK => typeof key === 'object' && key !== null && !Array.isArray(key));
  return { ok: true, set: { fetchedAt: now(), keys: usable, imported: new Map() } };
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

/** The key with this `kid` that can verify `alg`: an RSA key for RS256, a P-256 key for ES256. */
function keyIn(set: KeySet, kid: string, alg: PlatformAlgorithm): Promise<CryptoKey | null> {
  const cacheKey = `${alg} ${kid}`;
  let imported = set.imported.get(cacheKey);
  if (!imported) {
    const jwk = set.keys.find((candidate) => candidate.kid === kid && fits(candidate, alg));
    // Misses are not remembered: made-up `kid`s would otherwise grow the cache without bound.
    if (!jwk) return Promise.resolve(null);
    imported = importKey(jwk, alg);
    set.imported.set(cacheKey, imported);
  }
  return imported;
}

function fits(jwk: JWK, alg: PlatformAlgorithm): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  return alg === 'RS256' ? jwk.kty === 'RSA' : jwk.kty === 'EC' && jwk.crv === 'P-256';
}

async function importKey(jwk: JWK, alg: PlatformAlgorithm): Promise<CryptoKey | null> {
  // A private member in a published set is the platform's mistake; only the public part is used.
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, ...publicPart } = jwk;
  try {
    const key = await importJWK({ ...publicPart, ext: true }, alg);
    return key instanceof Uint8Array ? null : key;
  } catch {
    return null;
  }
}
