import { and, eq, or, sql } from 'drizzle-orm';
import { signInMethodCount } from '../accounts/rules';
import { audit } from '../audit/log';
import type { Database } from '../db/client';
import { type OAuthProvider, oauthAccounts, type User, users } from '../db/schema';
import { appLink, sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { ApiError, validationError } from '../errors';
import { failure } from '../failures';
import type { Scope } from '../scope';
import { bumpSecurityStamp, revokeUserSessions } from '../sessions/store';
import { issueOneTimeToken, redeemOneTimeToken } from '../tokens/one-time-tokens';
import { insertLink, profileFor } from './profile';
import { type AuthorizationGrant, type OAuthProfile, providerName } from './provider';

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
    throw new ApiError('oauth_account_in_use', { detail: `This ${name} account is already linked to another user` });
  }
  if (rows.length > 0) {
    throw new ApiError('provider_already_linked', {
      detail: `A ${name} account is already linked to your account; unlink it first`,
    });
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
export async function announceLink(
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
  if (!link || !user) throw failure('link_revocation_invalid');
  await removeLink(scope, user, link);
  const revoked = await revokeUserSessions(scope, user.id, 'provider_link_revoked');
  await bumpSecurityStamp(scope, user.id);
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
    new ApiError('provider_not_linked', {
      detail: requested ? `No ${providerName(requested)} account is linked` : 'No OAuth provider is linked',
    });
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
  // The rule and the delete are one statement: parallel removals cannot leave no method at all.
  const removed = await scope.db
    .delete(oauthAccounts)
    .where(and(eq(oauthAccounts.id, link.id), sql`${signInMethodCount(user.id)} > 1`))
    .returning({ id: oauthAccounts.id });
  if (removed.length > 0) return;
  const still = await scope.db.query.oauthAccounts.findFirst({ where: eq(oauthAccounts.id, link.id) });
  if (!still) {
    throw new ApiError('provider_not_linked', { detail: `No ${providerName(link.provider)} account is linked` });
  }
  throw new ApiError('last_sign_in_method', {
    detail: `${providerName(link.provider)} is your only way to sign in: set a password (through "forgot password") or link another provider first`,
  });
}
