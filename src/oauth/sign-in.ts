import { and, eq, inArray } from 'drizzle-orm';
import { availableUsername } from '../accounts/username';
import { findUserByEmail, insertVerifiedUser, localeFrom } from '../accounts/users';
import { audit } from '../audit/log';
import { type OAuthProvider, oauthAccounts, type User, users } from '../db/schema';
import { ApiError } from '../errors';
import type { Scope } from '../scope';
import { afterFirstFactor, type SignInOutcome } from '../sign-in/mfa-step';
import { refuseBarredAccount, refuseLockedAccount } from '../sign-in/refusals';
import { announceLink } from './links';
import { findLinkedUser, insertLink, profileFor, SIGN_IN_METHOD } from './profile';
import { type AuthorizationGrant, type OAuthProfile, providerName } from './provider';

export type OAuthSignIn = SignInOutcome & { isNewUser: boolean };

/**
 * Every check of the account's own, after the provider vouched for the identity: its state, its
 * lock (a locked account answers 423 whatever the method, as SPEC §6 says), then MFA.
 */
async function admit(scope: Scope, user: User, provider: OAuthProvider): Promise<SignInOutcome> {
  refuseBarredAccount(scope, user, SIGN_IN_METHOD[provider]);
  await refuseLockedAccount(scope, user.email, { user, method: SIGN_IN_METHOD[provider] });
  return afterFirstFactor(scope, user, 'oauth');
}

function trustedEmail(provider: OAuthProvider, profile: OAuthProfile): string {
  if (profile.email && profile.emailVerified) return profile.email;
  throw new ApiError('oauth_email_unverified', {
    detail:
      provider === 'GOOGLE'
        ? 'Your Google account has no verified email address; verify it with Google and try again'
        : 'Your GitHub account has no verified primary email address; verify it on GitHub (and grant email access) and try again',
  });
}

/**
 * Finds or creates the account behind a provider identity (SPEC §10 and §11). The account's own
 * checks (state, lock, MFA) run before anything is written, so a refused or unfinished sign-in
 * links and creates nothing; a user with MFA therefore links explicitly, from settings.
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
    if (linked) return { ...(await admit(scope, linked, provider)), isNewUser: false };
    const email = trustedEmail(provider, profile);
    const existing = await findUserByEmail(scope.db, email);
    try {
      if (existing?.isEmailVerified) {
        return { ...(await linkByEmail(scope, existing, provider, profile)), isNewUser: false };
      }
      // The email's lock applies to whoever signs in with it next, before anything is written.
      await refuseLockedAccount(scope, email, { method: SIGN_IN_METHOD[provider] });
      const created = await createUser(scope, provider, profile, email, acceptLanguage, existing);
      return { ...(await admit(scope, created, provider)), isNewUser: true };
    } catch (error) {
      // A parallel sign-in with the same identity, a username taken meanwhile, or the unverified
      // account verified meanwhile, won the insert: look again; the next round sees what changed.
      if (error instanceof ApiError || attempt >= 3) throw error;
    }
  }
}

/** Links the provider to the verified account with its email (SPEC §10), once every check passed. */
async function linkByEmail(
  scope: Scope,
  user: User,
  provider: OAuthProvider,
  profile: OAuthProfile,
): Promise<SignInOutcome> {
  const other = await scope.db.query.oauthAccounts.findFirst({
    where: and(eq(oauthAccounts.userId, user.id), eq(oauthAccounts.provider, provider)),
  });
  if (other) {
    throw new ApiError('provider_already_linked', {
      detail: `The account with this email is linked to another ${providerName(provider)} account; sign in with that one`,
    });
  }
  const outcome = await admit(scope, user, provider);
  if (outcome.kind === 'mfa_required') return outcome;
  const [link] = await insertLink(scope.db, user.id, provider, profile).returning({ id: oauthAccounts.id });
  await announceLink(scope, user, provider, profile, link?.id ?? '', 'verified_email');
  return outcome;
}

/**
 * A new account from the provider. An unverified account with the address is only a claim on it,
 * which the provider has now disproven: the claim goes (with its pending tokens) in the same
 * transaction as the new user is made, and only while it is still unverified; had it been verified
 * meanwhile, the insert fails on the email and the caller looks again.
 */
async function createUser(
  scope: Scope,
  provider: OAuthProvider,
  profile: OAuthProfile,
  email: string,
  acceptLanguage: string | undefined,
  unverifiedClaim: User | undefined,
): Promise<User> {
  const username = await availableUsername(scope.db, profile.usernameHints);
  const id = crypto.randomUUID();
  const removeClaim = scope.db
    .delete(users)
    .where(and(inArray(users.id, unverifiedClaim ? [unverifiedClaim.id] : []), eq(users.isEmailVerified, false)));
  // One batch, one transaction: never a user without its link, nor a link without its user.
  const [, [user]] = await scope.db.batch([
    removeClaim,
    insertVerifiedUser(scope.db, { id, email, username, locale: localeFrom(acceptLanguage) }),
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
