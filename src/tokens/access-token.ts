import {
  type CryptoKey,
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { Config } from '../config';
import type { AuthMethod, Role } from '../db/schema';

/** RFC 9068's media type for access tokens; any other `typ` (MFA, ID tokens...) is refused. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  /** How the session authenticated, so other services can require a second factor. */
  amr: AuthMethod[];
  exp: number;
  iat: number;
}

export type AccessTokenCheck =
  | { ok: true; claims: AccessClaims }
  | { ok: false; reason: 'malformed' | 'expired' | 'bad_signature' | 'unknown_key' | 'wrong_type' | 'invalid_claims' };

interface KeyMaterial {
  algorithm: 'EdDSA' | 'ES256';
  kid: string;
  signingKey: CryptoKey;
  jwks: JSONWebKeySet;
  verifyKeys: ReturnType<typeof createLocalJWKSet>;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

export function toPublicJwk(jwk: JsonWebKey & { kid?: string }): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  delete copy.key_ops;
  delete copy.ext;
  return { ...copy, use: 'sig', alg: algorithmOf(jwk) } as JWK;
}

function algorithmOf(jwk: JsonWebKey): 'EdDSA' | 'ES256' {
  if (jwk.kty === 'OKP' && (jwk as { crv?: string }).crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  throw new Error('JWT_PRIVATE_KEY must be an Ed25519 (OKP) or P-256 (EC) key');
}

const keyCache = new WeakMap<Config, Promise<KeyMaterial>>();

function keysFor(config: Config): Promise<KeyMaterial> {
  let keys = keyCache.get(config);
  if (!keys) {
    keys = (async () => {
      const { privateKey, previousPublicKey } = config.jwt;
      const algorithm = algorithmOf(privateKey);
      const publicKeys = [toPublicJwk(privateKey)];
      if (previousPublicKey) publicKeys.push(toPublicJwk(previousPublicKey));
      const jwks = { keys: publicKeys };
      return {
        algorithm,
        kid: privateKey.kid as string,
        signingKey: (await importJWK(privateKey as JWK, algorithm)) as CryptoKey,
        jwks,
        verifyKeys: createLocalJWKSet(jwks),
      };
    })();
    keyCache.set(config, keys);
  }
  return keys;
}

export async function publicJwks(config: Config): Promise<JSONWebKeySet> {
  return (await keysFor(config)).jwks;
}

export async function signAccessToken(
  config: Config,
  claims: { sub: string; sid: string; role: Role; amr: AuthMethod[] },
  sessionExpiresAt: Date,
  now = Date.now(),
): Promise<{ token: string; expiresAt: Date }> {
  const keys = await keysFor(config);
  const issuedAt = Math.floor(now / 1000);
  // Never outlive the session: services that verify offline would otherwise accept it longer.
  const expiresAt = Math.min(issuedAt + config.jwt.accessTokenTtl, Math.floor(sessionExpiresAt.getTime() / 1000));
  const token = await new SignJWT({ sid: claims.sid, role: claims.role, amr: claims.amr })
    .setProtectedHeader({ alg: keys.algorithm, kid: keys.kid, typ: ACCESS_TOKEN_TYPE })
    .setSubject(claims.sub)
    .setIssuer(config.jwt.issuer)
    .setAudience(config.jwt.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .setJti(crypto.randomUUID())
    .sign(keys.signingKey);
  return { token, expiresAt: new Date(expiresAt * 1000) };
}

/**
 * Verifies an access token offline against our own keys only: the algorithm is pinned to the
 * configured key's, `kid` must name one of our keys (no key is ever fetched), `exp`, `iss`,
 * `aud` and `typ` are required.
 */
export async function verifyAccessToken(config: Config, token: string): Promise<AccessTokenCheck> {
  const keys = await keysFor(config);
  try {
    const header = decodeProtectedHeader(token);
    if (typeof header.kid !== 'string') return { ok: false, reason: 'unknown_key' };
    if (header.typ !== ACCESS_TOKEN_TYPE) return { ok: false, reason: 'wrong_type' };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  try {
    const { payload } = await jwtVerify(token, keys.verifyKeys, {
      algorithms: [keys.algorithm],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ['exp', 'iat', 'sub', 'sid', 'role'],
    });
    if (typeof payload.sid !== 'string' || typeof payload.role !== 'string' || typeof payload.sub !== 'string') {
      return { ok: false, reason: 'invalid_claims' };
    }
    return { ok: true, claims: payload as unknown as AccessClaims };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
      return { ok: false, reason: 'unknown_key' };
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad_signature' };
    if (error instanceof errors.JWTClaimValidationFailed) return { ok: false, reason: 'invalid_claims' };
    return { ok: false, reason: 'malformed' };
  }
}
