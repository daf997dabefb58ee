import { and, eq, gt, isNull } from 'drizzle-orm';
import { findUserById } from '../accounts/users';
import { type LtiCodeLaunch, type LtiPlatformRow, ltiCodes, type User } from '../db/schema';
import { failure } from '../failures';
import { sha256 } from '../lib/crypto';
import type { Scope } from '../scope';
import { afterFirstFactor, type SignInOutcome } from '../sign-in/mfa-step';
import { refuseBarredAccount, refuseLockedAccount } from '../sign-in/refusals';
import { findPlatform } from './registry';

/** The launch as the SPA reads it next to the login body. */
export function ltiContext(platform: LtiPlatformRow, launch: LtiCodeLaunch) {
  return {
    platform: { id: platform.id, name: platform.name, issuer: platform.issuer },
    deployment_id: launch.deploymentId,
    context: launch.context,
    resource_link: launch.resourceLink,
    roles: launch.roles,
    custom: launch.custom,
  };
}

export type LtiExchange = { outcome: SignInOutcome; platform: LtiPlatformRow; lti: ReturnType<typeof ltiContext> };

/**
 * POST `lti/exchange/`: the code a launch put on the target link, consumed in one conditional
 * UPDATE (of two parallel exchanges exactly one gets it). The account is checked again, as
 * within the code's minute it may have been suspended or locked; a user with MFA continues with
 * the second factor like after a password.
 */
export async function exchangeLtiCode(scope: Scope, code: string): Promise<LtiExchange> {
  const now = new Date();
  const [redeemed] = await scope.db
    .update(ltiCodes)
    .set({ usedAt: now })
    .where(and(eq(ltiCodes.codeHash, await sha256(code)), isNull(ltiCodes.usedAt), gt(ltiCodes.expiresAt, now)))
    .returning();
  const [user, platform] = redeemed
    ? await Promise.all([findUserById(scope.db, redeemed.userId), findPlatform(scope.db, redeemed.platformId)])
    : [undefined, undefined];
  if (!redeemed || !user || !platform) throw failure('lti_code_invalid');
  await admit(scope, user, platform);
  return {
    outcome: await afterFirstFactor(scope, user, 'lti'),
    platform,
    lti: ltiContext(platform, redeemed.launch),
  };
}

async function admit(scope: Scope, user: User, platform: LtiPlatformRow): Promise<void> {
  refuseBarredAccount(scope, user, 'lti', platform.name);
  await refuseLockedAccount(scope, user.email, { user, method: 'lti', methodDetail: platform.name });
}
