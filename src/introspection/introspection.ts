import type { Config } from '../config';
import { findLiveSession, livenessAt } from '../db/live-session';
import { sha256, timingSafeEqual } from '../lib/crypto';
import type { Scope } from '../scope';
import { verifyAccessToken } from '../tokens/access-token';

const encoder = new TextEncoder();

/** HTTP Basic `client_id:secret` against INTROSPECTION_CREDENTIALS, compared in constant time. */
export async function authenticateClient(config: Config, authorization: string | undefined): Promise<string | null> {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return null;
  let decoded: string;
  try {
    decoded = atob(match[1]);
  } catch {
    return null;
  }
  const at = decoded.indexOf(':');
  if (at <= 0) return null;
  const [id, secret] = [decoded.slice(0, at), decoded.slice(at + 1)];
  const presented = encoder.encode(await sha256(secret));
  let found: string | null = null;
  for (const client of config.introspectionClients) {
    // Every entry is compared, so the answer takes the same time whichever one matches.
    const same = timingSafeEqual(presented, encoder.encode(await sha256(client.secret)));
    if (same && client.id === id) found = client.id;
  }
  return found;
}

/** RFC 7662: an inactive answer says nothing more, whatever made the token unusable. */
export async function introspect(scope: Scope, token: string) {
  const check = await verifyAccessToken(scope.config, token);
  if (!check.ok) return { active: false as const };
  const live = await findLiveSession(scope.db, check.claims.sid, check.claims.sub, livenessAt(scope.config));
  if (!live?.user.isActive || live.user.isSuspended) return { active: false as const };
  return {
    active: true as const,
    token_type: 'access_token',
    sub: live.user.id,
    sid: live.session.id,
    // The role in force now, which may be newer than the token's claim.
    role: live.user.role,
    username: live.user.username,
    email: live.user.email,
    mfa_enabled: live.user.mfaEnabled,
    iss: scope.config.jwt.issuer,
    aud: scope.config.jwt.audience,
    iat: check.claims.iat,
    exp: check.claims.exp,
  };
}
