import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { type OAuthProvider, oauthAccounts, type User, users } from '../db/schema';
import { validationError } from '../errors';
import type { SignInMethod } from '../history/record';
import type { Scope } from '../scope';
import { githubClient } from './github';
import { googleClient } from './google';
import {
  type AuthorizationGrant,
  assertConfigured,
  type OAuthClient,
  type OAuthProfile,
  providerHttp,
} from './provider';

export const SIGN_IN_METHOD = {
  GOOGLE: 'oauth_google',
  GITHUB: 'oauth_github',
} as const satisfies Record<OAuthProvider, SignInMethod>;

function clientFor(scope: Scope, provider: OAuthProvider): OAuthClient {
  const { oauth } = scope.config;
  const http = providerHttp(provider, scope.requestId, oauth.timeoutMs);
  if (provider === 'GOOGLE') return googleClient(assertConfigured(provider, oauth.google), http);
  const github = assertConfigured(provider, oauth.github);
  return githubClient({ ...github, userAgent: `auth-service/${scope.config.version}` }, http);
}

/**
 * Configuration and redirect checks come before the provider call, so a refused request spends
 * nothing and leaves the user's code unused. The redirect must match the allowlist exactly: a
 * prefix or pattern match is how codes get sent to an attacker's page.
 */
export async function profileFor(
  scope: Scope,
  provider: OAuthProvider,
  grant: AuthorizationGrant,
): Promise<OAuthProfile> {
  const client = clientFor(scope, provider);
  if (grant.redirectUri === undefined && provider === 'GOOGLE') {
    throw validationError([{ field: 'redirect_uri', message: 'Required for Google' }]);
  }
  if (grant.redirectUri !== undefined && !scope.config.oauth.redirectUris.includes(grant.redirectUri)) {
    throw validationError(
      [{ field: 'redirect_uri', message: 'Not an allowed redirect URI' }],
      'The redirect_uri is not in the allowlist of this server',
    );
  }
  return client.exchange(grant);
}

export async function findLinkedUser(
  db: Database,
  provider: OAuthProvider,
  accountId: string,
): Promise<User | undefined> {
  const [row] = await db
    .select({ user: users })
    .from(oauthAccounts)
    .innerJoin(users, eq(users.id, oauthAccounts.userId))
    .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.providerAccountId, accountId)))
    .limit(1);
  return row?.user;
}

export function insertLink(db: Database, userId: string, provider: OAuthProvider, profile: OAuthProfile) {
  return db.insert(oauthAccounts).values({
    userId,
    provider,
    providerAccountId: profile.providerAccountId,
    email: profile.email,
    createdAt: new Date(),
  });
}
