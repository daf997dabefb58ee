import type { Session, User } from '../db/schema';
import type { Scope } from '../scope';
import { signAccessToken } from '../tokens/access-token';
import { deliverRefreshCookie } from './cookie';

export interface SessionTokens {
  access_token: string;
  refresh_token: string;
  expires_at: string;
}

/** The refresh answer: `session_token` is the access token again, which the seed's SPA reads. */
export type RefreshBody = SessionTokens & { session_token: string };

/**
 * A fresh access token for the session, with its refresh token: the one place tokens are handed
 * out (every sign-in and refresh/), so in cookie mode the refresh cookie is set here too.
 */
export async function sessionTokens(
  scope: Scope,
  user: User,
  session: Session,
  refreshToken: string,
): Promise<SessionTokens> {
  const access = await signAccessToken(
    scope.config,
    { sub: user.id, sid: session.id, role: user.role, amr: session.amr },
    session.expiresAt,
  );
  deliverRefreshCookie(scope, refreshToken, session.expiresAt);
  return { access_token: access.token, refresh_token: refreshToken, expires_at: access.expiresAt.toISOString() };
}
