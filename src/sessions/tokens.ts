import type { Session, User } from '../db/schema';
import type { Scope } from '../scope';
import { signAccessToken } from '../tokens/access-token';

export interface SessionTokens {
  access_token: string;
  refresh_token: string;
  expires_at: string;
}

/** The refresh answer: `session_token` is the access token again, which the seed's SPA reads. */
export type RefreshBody = SessionTokens & { session_token: string };

/** A fresh access token for the session, with the session's (plain) refresh token. */
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
  return { access_token: access.token, refresh_token: refreshToken, expires_at: access.expiresAt.toISOString() };
}
