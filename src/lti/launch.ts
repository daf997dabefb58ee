import { compactVerify, decodeProtectedHeader, errors } from 'jose';
import { z } from 'zod';
import { sha256 } from '../lib/crypto';
import { CLAIM, LTI_VERSION, type LtiPlatform, RESOURCE_LINK_REQUEST } from './platform';
import type { KeyFailure, PlatformKeys } from './platform-keys';

/**
 * Checks a launch `id_token` (LTI Core 1.3 §5.1, Security Framework 1.0 §5.1.3) against the
 * platform the login's `state` belongs to, and reads the launch out of it. Every check fails as
 * data: the reason goes to the audit trail, the browser only ever sees a generic 400 page.
 */

export interface LaunchCheckInput {
  idToken: string;
  platform: Pick<LtiPlatform, 'issuer' | 'clientId' | 'deploymentIds' | 'jwksUrl'>;
  keys: PlatformKeys;
  /**
   * SHA-256 (base64url, as `sha256()` gives it) of the nonce sent with this `state`. When given,
   * the token must carry that very nonce, so a token replayed with another login's state fails.
   */
  expectedNonceHash?: string;
  /**
   * The platform awaits its first deployment (registry.ts): a launch from any deployment passes
   * this check, and the caller adopts it or refuses the launch.
   */
  acceptAnyDeployment?: boolean;
  /** Milliseconds since the epoch; the tests move it. */
  now?: number;
  clockSkewSeconds?: number;
  /** Tokens issued longer ago than this are refused even before `exp`: launches are posted at once. */
  maxAgeSeconds?: number;
}

export interface LtiLaunch {
  issuer: string;
  clientId: string;
  deploymentId: string;
  sub: string;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  /** As the platform sent it (lower-cased); whether it may be trusted is the platform record's call. */
  email: string | null;
  roles: string[];
  context: { id: string; label: string | null; title: string | null } | null;
  resourceLink: { id: string; title: string | null };
  custom: Record<string, string>;
  targetLinkUri: string;
  /** For a caller that burns nonces in a store of its own. */
  nonce: string;
}

export type LaunchFailure =
  | { ok: false; reason: 'malformed_token' }
  | KeyFailure
  | { ok: false; reason: 'bad_signature' }
  | { ok: false; reason: 'wrong_issuer' | 'wrong_audience' | 'missing_azp' | 'wrong_azp' }
  | { ok: false; reason: 'expired' | 'not_yet_valid' | 'issued_in_future' | 'too_old' }
  | { ok: false; reason: 'missing_nonce' | 'nonce_mismatch' }
  | { ok: false; reason: 'wrong_version'; version: string }
  | { ok: false; reason: 'wrong_message_type'; messageType: string }
  | { ok: false; reason: 'unknown_deployment'; deploymentId: string }
  | { ok: false; reason: 'missing_claim' | 'invalid_claim'; claim: string };

export type LaunchCheck = { ok: true; launch: LtiLaunch } | LaunchFailure;

const DEFAULT_SKEW_SECONDS = 60;
const DEFAULT_MAX_AGE_SECONDS = 600;
/** Real launches are a few kB (Canvas's, with every service claim, stay under 10 kB). */
const MAX_TOKEN_LENGTH = 64 * 1024;
/** LTI Core 1.3 bounds `sub`, `deployment_id`, context and resource link ids to 255 ASCII characters. */
const identifier = z.string().min(1).max(255);
const optionalText = (max: number) =>
  z
    .unknown()
    .optional()
    .transform((value) => (typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : null));
const emailAddress = z.string().trim().toLowerCase().max(254).pipe(z.email());

export async function verifyLaunch(input: LaunchCheckInput): Promise<LaunchCheck> {
  const { platform } = input;
  let header: { alg?: unknown; kid?: unknown };
  if (input.idToken.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed_token' };
  try {
    header = decodeProtectedHeader(input.idToken);
  } catch {
    return { ok: false, reason: 'malformed_token' };
  }
  const found = await input.keys.keyFor(platform.jwksUrl, header);
  if (!found.ok) return found;

  let claims: Record<string, unknown>;
  try {
    const { payload } = await compactVerify(input.idToken, found.key, { algorithms: [found.alg] });
    const parsed: unknown = JSON.parse(new TextDecoder().decode(payload));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { ok: false, reason: 'malformed_token' };
    }
    claims = parsed as Record<string, unknown>;
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad_signature' };
    return { ok: false, reason: 'malformed_token' };
  }

  const identity = checkIdentity(claims, platform);
  if (identity) return identity;
  const timing = checkTiming(claims, input);
  if (timing) return timing;
  const nonce = claims.nonce;
  if (typeof nonce !== 'string' || nonce.length === 0) return { ok: false, reason: 'missing_nonce' };
  if (input.expectedNonceHash !== undefined && (await sha256(nonce)) !== input.expectedNonceHash) {
    return { ok: false, reason: 'nonce_mismatch' };
  }
  return readLaunch(claims, platform, nonce, input.acceptAnyDeployment === true && platform.deploymentIds.length === 0);
}

function checkIdentity(claims: Record<string, unknown>, platform: LaunchCheckInput['platform']): LaunchFailure | null {
  if (claims.iss !== platform.issuer) return { ok: false, reason: 'wrong_issuer' };
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  if (!Array.isArray(audiences) || !audiences.includes(platform.clientId))
    return { ok: false, reason: 'wrong_audience' };
  // With several audiences, `azp` says which one the token was issued to (OIDC Core §3.1.3.7).
  if (audiences.length > 1 && claims.azp === undefined) return { ok: false, reason: 'missing_azp' };
  if (claims.azp !== undefined && claims.azp !== platform.clientId) return { ok: false, reason: 'wrong_azp' };
  return null;
}

function checkTiming(claims: Record<string, unknown>, input: LaunchCheckInput): LaunchFailure | null {
  const now = (input.now ?? Date.now()) / 1000;
  const skew = input.clockSkewSeconds ?? DEFAULT_SKEW_SECONDS;
  const maxAge = input.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const { exp, iat, nbf } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { ok: false, reason: 'missing_claim', claim: 'exp' };
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return { ok: false, reason: 'missing_claim', claim: 'iat' };
  if (now - skew >= exp) return { ok: false, reason: 'expired' };
  if (iat > now + skew) return { ok: false, reason: 'issued_in_future' };
  if (now - iat > maxAge + skew) return { ok: false, reason: 'too_old' };
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + skew)) return { ok: false, reason: 'not_yet_valid' };
  return null;
}

function readLaunch(
  claims: Record<string, unknown>,
  platform: LaunchCheckInput['platform'],
  nonce: string,
  acceptAnyDeployment: boolean,
): LaunchCheck {
  const version = claims[CLAIM.version];
  if (version === undefined) return { ok: false, reason: 'missing_claim', claim: CLAIM.version };
  if (version !== LTI_VERSION) return { ok: false, reason: 'wrong_version', version: String(version).slice(0, 64) };
  const messageType = claims[CLAIM.messageType];
  if (messageType === undefined) return { ok: false, reason: 'missing_claim', claim: CLAIM.messageType };
  if (messageType !== RESOURCE_LINK_REQUEST) {
    return { ok: false, reason: 'wrong_message_type', messageType: String(messageType).slice(0, 64) };
  }

  const deploymentId = identifier.safeParse(claims[CLAIM.deploymentId]);
  if (!deploymentId.success) return missingOrInvalid(claims, CLAIM.deploymentId);
  if (!acceptAnyDeployment && !platform.deploymentIds.includes(deploymentId.data)) {
    return { ok: false, reason: 'unknown_deployment', deploymentId: deploymentId.data };
  }
  // LTI allows anonymous launches without `sub`; an account cannot be made from one.
  const sub = identifier.safeParse(claims.sub);
  if (!sub.success) return missingOrInvalid(claims, 'sub');
  const roles = z.array(z.string().max(1024)).max(256).safeParse(claims[CLAIM.roles]);
  if (!roles.success) return missingOrInvalid(claims, CLAIM.roles);
  const resourceLink = z.object({ id: identifier, title: optionalText(255) }).safeParse(claims[CLAIM.resourceLink]);
  if (!resourceLink.success) return missingOrInvalid(claims, CLAIM.resourceLink);
  const target = z.url().max(2048).safeParse(claims[CLAIM.targetLinkUri]);
  if (!target.success) return missingOrInvalid(claims, CLAIM.targetLinkUri);
  const context = z
    .object({ id: identifier, label: optionalText(255), title: optionalText(255) })
    .optional()
    .safeParse(claims[CLAIM.context]);
  if (!context.success) return { ok: false, reason: 'invalid_claim', claim: CLAIM.context };

  const email = emailAddress.safeParse(claims.email);
  const text = optionalText(255);
  return {
    ok: true,
    launch: {
      issuer: platform.issuer,
      clientId: platform.clientId,
      deploymentId: deploymentId.data,
      sub: sub.data,
      name: text.parse(claims.name),
      givenName: text.parse(claims.given_name),
      familyName: text.parse(claims.family_name),
      email: email.success ? email.data : null,
      roles: roles.data,
      context: context.data ?? null,
      resourceLink: resourceLink.data,
      custom: customClaim(claims[CLAIM.custom]),
      targetLinkUri: target.data,
      nonce,
    },
  };
}

function missingOrInvalid(claims: Record<string, unknown>, claim: string): LaunchFailure {
  return { ok: false, reason: claims[claim] === undefined ? 'missing_claim' : 'invalid_claim', claim };
}

/** Custom parameters are strings by the spec; anything else is dropped rather than failing the launch. */
function customClaim(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const custom: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value).slice(0, 100)) {
    if (typeof entry === 'string' && key.length <= 255) custom[key] = entry.slice(0, 4096);
  }
  return custom;
}
