import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { audit } from '../audit/log';
import { assertMaySignIn, assertNotLocked } from '../auth/login';
import { issueOneTimeToken, redeemOneTimeToken } from '../auth/one-time-tokens';
import type { Database } from '../db/client';
import { type OAuthProvider, oauthAccounts, type User, users } from '../db/schema';
import { appLink, sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { ApiError, validationError } from '../errors';
import type { SignInMethod } from '../history/record';
import { requireMfaStep } from '../mfa/challenge';
import type { Scope } from '../scope';
import { bumpSecurityStamp, revokeUserSessions } from '../sessions/sessions';
import { findUserByEmail, localeFrom } from '../users/users';
import { githubClient } from './github';
import { googleClient } from './google';
import {
  type AuthorizationGrant,
  assertConfigured,
  type OAuthClient,
  type OAuthProfile,
  providerHttp,
  providerName,
} from './provider';
import { availableUsername } from './username';

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
async function profileFor(scope: Scope, provider: OAuthProvider, grant: AuthorizationGrant): Promise<OAuthProfile> {
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

async function findLinkedUser(db: Database, provider: OAuthProvider, accountId: string): Promise<User | undefined> {
  const [row] = await db
    .select({ user: users })
    .from(oauthAccounts)
    .innerJoin(users, eq(users.id, oauthAccounts.userId))
    .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.providerAccountId, accountId)))
    .limit(1);
  return row?.user;
}

/**
 * Every check of the account's own, after the provider vouched for the identity: its state, its
 * lock (a locked account answers 423 whatever the method, as SPEC §6 says), and MFA.
 */
async function admit(scope: Scope, user: User, provider: OAuthProvider): Promise<void> {
  assertMaySignIn(scope, user, SIGN_IN_METHOD[provider]);
  await assertNotLocked(scope, user.email, { user, method: SIGN_IN_METHOD[provider] });
  await requireMfaStep(scope, user, 'oauth');
}

function trustedEmail(provider: OAuthProvider, profile: OAuthProfile): string {
  if (profile.email && profile.emailVerified) return profile.email;
  throw new ApiError(
    'oauth_email_unverified',
    provider === 'GOOGLE'
      ? 'Your Google account has no verified email address; verify it with Google and try again'
      : 'Your GitHub account has no verified primary email address; verify it on GitHub (and grant email access) and try again',
  );
}

function insertLink(db: Database, userId: string, provider: OAuthProvider, profile: OAuthProfile) {
  return db.insert(oauthAccounts).values({
    userId,
    provider,
    providerAccountId: profile.providerAccountId,
    email: profile.email,
    createdAt: new Date(),
  });
}

export interface OAuthSignIn {
  user: User;
  isNewUser: boolean;
}

/**
 * Finds or creates the account behind a provider identity (SPEC §10). The account's own checks
 * (suspension, MFA) run before anything is written, so a refused or unfinished sign-in links and
 * creates nothing; a user with MFA therefore links explicitly, from settings, once signed in.
 */
export async function signInWithOAuth(
  scope: Scope,
  provider: OAuthProvider,
  grant: AuthorizationGrant,
  acceptLanguage?: string,
): Promise<OAuthSignIn> {
  const profile = await profileFor(scope, provider, grant);
  for (let attempt = 1; ; attempt++) {
    const linked = await findLinkedUser(scope.db, provider, profile.providerAccountId);
    if (linked) {
      await admit(scope, linked, provider);
      return { user: linked, isNewUser: false };
    }
    const email = trustedEmail(provider, profile);
    const existing = await findUserByEmail(scope.db, email);
    try {
      if (existing?.isEmailVerified) {
        await linkByEmail(scope, existing, provider, profile);
        return { user: existing, isNewUser: false };
      }
      // The email's lock applies to whoever signs in with it next, before anything is written.
      await assertNotLocked(scope, email, { method: SIGN_IN_METHOD[provider] });
      const created = await createUser(scope, provider, profile, email, acceptLanguage, existing);
      await admit(scope, created, provider);
      return { user: created, isNewUser: true };
    } catch (error) {
      // A parallel sign-in with the same identity, a username taken meanwhile, or the unverified
      // account verified meanwhile, won the insert: look again; the next round sees what changed.
      if (error instanceof ApiError || attempt >= 3) throw error;
    }
  }
}

/** Links the provider to the verified account with its email (SPEC §10). */
async function linkByEmail(scope: Scope, user: User, provider: OAuthProvider, profile: OAuthProfile): Promise<void> {
  const name = providerName(provider);
  const other = await scope.db.query.oauthAccounts.findFirst({
    where: and(eq(oauthAccounts.userId, user.id), eq(oauthAccounts.provider, provider)),
  });
  if (other) {
    throw new ApiError(
      'provider_already_linked',
      `The account with this email is linked to another ${name} account; sign in with that one`,
    );
  }
  await admit(scope, user, provider);
  const [link] = await insertLink(scope.db, user.id, provider, profile).returning({ id: oauthAccounts.id });
  await announceLink(scope, user, provider, profile, link?.id ?? '', 'verified_email');
}

async function createUser(
  scope: Scope,
  provider: OAuthProvider,
  profile: OAuthProfile,
  email: string,
  acceptLanguage: string | undefined,
  unverifiedClaim: User | undefined,
): Promise<User> {
  const username = await availableUsername(scope.db, profile.usernameHints);
  const now = new Date();
  const id = crypto.randomUUID();
  // An unverified account is only a claim on the address; the provider has proven it. The claim
  // goes (with its pending tokens) in the same transaction as the new user is made, and only while
  // it is still unverified: had it been verified meanwhile, the insert fails and the caller retries.
  const removeClaim = scope.db
    .delete(users)
    .where(and(inArray(users.id, unverifiedClaim ? [unverifiedClaim.id] : []), eq(users.isEmailVerified, false)));
  // One batch, one transaction: never a user without its link, nor a link without its user.
  const [, [user]] = await scope.db.batch([
    removeClaim,
    scope.db
      .insert(users)
      .values({
        id,
        email,
        username,
        passwordHash: null,
        isEmailVerified: true,
        locale: localeFrom(acceptLanguage),
        createdAt: now,
        updatedAt: now,
      })
      .returning(),
    insertLink(scope.db, id, provider, profile),
  ]);
  if (!user) throw new Error('insert returned no user');
  if (unverifiedClaim) {
    audit(scope, 'user.unverified_claim_removed', {
      userId: unverifiedClaim.id,
      details: { replaced_by: user.id, provider },
    });
  }
  audit(scope, 'user.registered', {
    userId: user.id,
    details: { role: user.role, method: SIGN_IN_METHOD[provider], provider_account_id: profile.providerAccountId },
  });
  return user;
}

async function assertLinkable(db: Database, userId: string, provider: OAuthProvider, accountId?: string) {
  const rows = await db
    .select({ userId: oauthAccounts.userId, accountId: oauthAccounts.providerAccountId })
    .from(oauthAccounts)
    .where(
      and(
        eq(oauthAccounts.provider, provider),
        accountId === undefined
          ? eq(oauthAccounts.userId, userId)
          : or(eq(oauthAccounts.userId, userId), eq(oauthAccounts.providerAccountId, accountId)),
      ),
    );
  const name = providerName(provider);
  if (rows.some((row) => row.accountId === accountId && row.userId !== userId)) {
    throw new ApiError('oauth_account_in_use', `This ${name} account is already linked to another user`);
  }
  if (rows.length > 0) {
    throw new ApiError(
      'provider_already_linked',
      `A ${name} account is already linked to your account; unlink it first`,
    );
  }
}

/** Links a provider account to the signed-in user (explicit, so no email match is needed). */
export async function linkProvider(
  scope: Scope,
  user: User,
  provider: OAuthProvider,
  grant: AuthorizationGrant,
): Promise<void> {
  // Checked before the exchange too, so an already linked provider costs no provider call.
  await assertLinkable(scope.db, user.id, provider);
  const profile = await profileFor(scope, provider, grant);
  await assertLinkable(scope.db, user.id, provider, profile.providerAccountId);
  let linkId: string;
  try {
    const [link] = await insertLink(scope.db, user.id, provider, profile).returning({ id: oauthAccounts.id });
    linkId = link?.id ?? '';
  } catch (error) {
    await assertLinkable(scope.db, user.id, provider, profile.providerAccountId);
    throw error;
  }
  await announceLink(scope, user, provider, profile, linkId, 'settings');
}

/** How long the "this wasn't me" link of a link notice works. */
const LINK_REVOCATION_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Every new link is audited and mailed to the owner with a way to undo it: a link is a lasting way
 * into the account, so one made with a stolen session must not go unnoticed.
 */
async function announceLink(
  scope: Scope,
  user: User,
  provider: OAuthProvider,
  profile: OAuthProfile,
  linkId: string,
  via: 'settings' | 'verified_email',
): Promise<void> {
  audit(scope, 'oauth.linked', {
    userId: user.id,
    details: { provider, provider_account_id: profile.providerAccountId, via },
  });
  const token = await issueOneTimeToken(scope.db, user.id, 'oauth_link_revocation', LINK_REVOCATION_TTL_SECONDS, {
    payload: { oauth_account_id: linkId },
  });
  sendEmail(
    scope,
    user,
    'provider_linked',
    { username: user.username, provider: providerName(provider), time: emailTime(Date.now()) },
    { action: appLink(scope, '/revoke-provider-link', token) },
  );
}

/**
 * "This wasn't me" from a link notice: removes that link (unless it is the last way to sign in),
 * and ends every session, since whoever made the link may have signed in with it.
 */
export async function revokeLinkFromEmail(scope: Scope, token: string): Promise<OAuthProvider> {
  const redeemed = await redeemOneTimeToken(scope.db, token, 'oauth_link_revocation');
  const link = redeemed
    ? await scope.db.query.oauthAccounts.findFirst({
        where: and(
          eq(oauthAccounts.id, redeemed.payload?.oauth_account_id ?? ''),
          eq(oauthAccounts.userId, redeemed.userId),
        ),
      })
    : undefined;
  const user = link ? await scope.db.query.users.findFirst({ where: eq(users.id, link.userId) }) : undefined;
  if (!link || !user)
    throw new ApiError('invalid_token', 'The link is invalid, used or expired, or the provider is no longer linked');
  await removeLink(scope, user, link);
  await bumpSecurityStamp(scope, user.id);
  const revoked = await revokeUserSessions(scope, user.id, 'provider_link_revoked');
  audit(scope, 'oauth.unlinked', {
    userId: user.id,
    details: { provider: link.provider, via: 'email', sessions_revoked: revoked },
  });
  announceUnlink(scope, user, link.provider);
  return link.provider;
}

function announceUnlink(scope: Scope, user: User, provider: OAuthProvider): void {
  sendEmail(scope, user, 'provider_unlinked', {
    username: user.username,
    provider: providerName(provider),
    time: emailTime(Date.now()),
  });
}

/** Removes one of the signed-in user's links, and tells the owner. */
export async function unlinkProvider(scope: Scope, user: User, requested?: OAuthProvider): Promise<OAuthProvider> {
  const links = await scope.db
    .select({ id: oauthAccounts.id, provider: oauthAccounts.provider })
    .from(oauthAccounts)
    .where(eq(oauthAccounts.userId, user.id));
  if (!requested && links.length > 1) {
    throw validationError([{ field: 'provider', message: 'Several providers are linked; say which one to unlink' }]);
  }
  const target = requested ? links.find((link) => link.provider === requested) : links[0];
  const notLinked = () =>
    new ApiError(
      'provider_not_linked',
      requested ? `No ${providerName(requested)} account is linked` : 'No OAuth provider is linked',
    );
  if (!target) throw notLinked();

  await removeLink(scope, user, target);
  audit(scope, 'oauth.unlinked', { userId: user.id, details: { provider: target.provider, via: 'settings' } });
  announceUnlink(scope, user, target.provider);
  return target.provider;
}

/**
 * Deletes a link unless it is the user's last way to sign in. The check and the delete are one
 * statement, so two parallel unlinks of a password-less account cannot both succeed.
 */
async function removeLink(scope: Scope, user: User, link: { id: string; provider: OAuthProvider }): Promise<void> {
  const removed = await scope.db
    .delete(oauthAccounts)
    .where(
      and(
        eq(oauthAccounts.id, link.id),
        sql`(exists (select 1 from ${users} where ${users.id} = ${user.id} and ${users.passwordHash} is not null)
          or (select count(*) from ${oauthAccounts} where ${oauthAccounts.userId} = ${user.id}) > 1)`,
      ),
    )
    .returning({ id: oauthAccounts.id });
  if (removed.length > 0) return;
  const still = await scope.db.query.oauthAccounts.findFirst({ where: eq(oauthAccounts.id, link.id) });
  if (!still) {
    throw new ApiError('provider_not_linked', `No ${providerName(link.provider)} account is linked`);
  }
  throw new ApiError(
    'last_sign_in_method',
    `${providerName(link.provider)} is your only way to sign in: set a password (through "forgot password") or link another provider first`,
  );
}
