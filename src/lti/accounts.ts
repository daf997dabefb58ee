import { and, eq } from 'drizzle-orm';
import { availableUsername } from '../accounts/username';
import { findUserByEmail, insertVerifiedUser, localeFrom } from '../accounts/users';
import { audit } from '../audit/log';
import { type LtiPlatformRow, ltiUserLinks, type User, users } from '../db/schema';
import { ApiError } from '../errors';
import type { Scope } from '../scope';
import { refuseBarredAccount, refuseLockedAccount } from '../sign-in/refusals';
import type { LtiLaunch } from './launch';
import { mapLtiRoles } from './roles';

/**
 * The account a verified launch signs in to:
 * 1. the account linked to this platform's user (`sub`);
 * 2. else, only if the platform is trusted with emails, the VERIFIED account with the launch's
 *    email, which gets linked;
 * 3. else a new password-less account, with the role the launch maps to (never above
 *    INSTRUCTOR). Its email is the launch's when the platform is trusted with emails and the
 *    address is free; otherwise a placeholder under `.invalid` (RFC 2606): an address an
 *    untrusted platform asserts must never become a verified address of ours, or "forgot
 *    password" and Google's email linking would hand its owner an account that platform controls.
 * Later launches never change the account's role. The account's own state (disabled, suspended,
 * locked) is checked before anything is written.
 */

export type LaunchAccount = { user: User; via: 'link' | 'trusted_email' | 'created' };

export const PLACEHOLDER_DOMAIN = 'lti.invalid';

export async function accountForLaunch(
  scope: Scope,
  platform: LtiPlatformRow,
  launch: LtiLaunch,
  acceptLanguage: string | undefined,
): Promise<LaunchAccount> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await findOrCreate(scope, platform, launch, acceptLanguage);
    } catch (error) {
      // A parallel first launch of the same user won the insert (link, email or username taken
      // meanwhile): look again, the next round sees what it wrote.
      if (error instanceof ApiError || attempt >= 3) throw error;
    }
  }
}

async function findOrCreate(
  scope: Scope,
  platform: LtiPlatformRow,
  launch: LtiLaunch,
  acceptLanguage: string | undefined,
): Promise<LaunchAccount> {
  const now = new Date();
  const [linked] = await scope.db
    .select({ user: users, linkId: ltiUserLinks.id })
    .from(ltiUserLinks)
    .innerJoin(users, eq(users.id, ltiUserLinks.userId))
    .where(and(eq(ltiUserLinks.platformId, platform.id), eq(ltiUserLinks.sub, launch.sub)))
    .limit(1);
  if (linked) {
    await admit(scope, linked.user, platform);
    scope.defer(scope.db.update(ltiUserLinks).set({ lastLaunchAt: now }).where(eq(ltiUserLinks.id, linked.linkId)));
    return { user: linked.user, via: 'link' };
  }

  const trustedEmail = platform.trustsEmails ? launch.email : null;
  const holder = trustedEmail ? await findUserByEmail(scope.db, trustedEmail) : undefined;
  if (holder?.isEmailVerified) {
    await admit(scope, holder, platform);
    await scope.db.insert(ltiUserLinks).values(linkOf(platform, launch, holder.id, now));
    audit(scope, 'lti.linked', {
      userId: holder.id,
      details: { platform_id: platform.id, platform: platform.name, via: 'trusted_email' },
    });
    return { user: holder, via: 'trusted_email' };
  }

  const email = trustedEmail && !holder ? trustedEmail : await placeholderEmail(platform.id, launch.sub);
  // A real address's lock applies to whoever signs in with it next, before anything is written.
  if (email === trustedEmail) await refuseLockedAccount(scope, email, { method: 'lti', methodDetail: platform.name });
  const role = mapLtiRoles(launch.roles, platform.roleMapping);
  const username = await availableUsername(scope.db, usernameHints(launch));
  const id = crypto.randomUUID();
  // One batch, one transaction: never a user without its link.
  const [[user]] = await scope.db.batch([
    insertVerifiedUser(scope.db, { id, email, username, locale: localeFrom(acceptLanguage), role: role.role }),
    scope.db.insert(ltiUserLinks).values(linkOf(platform, launch, id, now)),
  ]);
  if (!user) throw new Error('insert returned no user');
  audit(scope, 'user.registered', {
    userId: user.id,
    details: {
      role: user.role,
      method: 'lti',
      platform_id: platform.id,
      platform: platform.name,
      role_decided_by: role.decidedBy,
      placeholder_email: email !== trustedEmail,
    },
  });
  return { user, via: 'created' };
}

/** Disabled, suspended (403 reasons) and locked accounts are refused; both are recorded in the history. */
async function admit(scope: Scope, user: User, platform: LtiPlatformRow): Promise<void> {
  refuseBarredAccount(scope, user, 'lti', platform.name);
  await refuseLockedAccount(scope, user.email, { user, method: 'lti', methodDetail: platform.name });
}

function linkOf(platform: LtiPlatformRow, launch: LtiLaunch, userId: string, now: Date) {
  return { platformId: platform.id, sub: launch.sub, userId, createdAt: now, lastLaunchAt: now };
}

function usernameHints(launch: LtiLaunch): string[] {
  const given = [launch.givenName, launch.familyName].filter(Boolean).join(' ');
  return [launch.name, given, launch.email?.split('@')[0]].filter((hint): hint is string => Boolean(hint));
}

/**
 * The same address for the same platform user every time, so two parallel first launches collide
 * on the email and the loser finds the winner's link.
 */
export async function placeholderEmail(platformId: string, sub: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${platformId}\n${sub}`));
  const hex = [...new Uint8Array(digest).slice(0, 12)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `lti-${hex}@${PLACEHOLDER_DOMAIN}`;
}
