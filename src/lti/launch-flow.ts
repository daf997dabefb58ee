import { and, eq, gt, isNull } from 'drizzle-orm';
import { audit } from '../audit/log';
import { ltiCodes, ltiLoginStates } from '../db/schema';
import { ApiError } from '../errors';
import { randomToken, sha256 } from '../lib/crypto';
import type { Scope } from '../scope';
import { accountForLaunch } from './accounts';
import { checkBinding, clearBinding } from './browser-binding';
import { type LaunchFailure, type LtiLaunch, verifyLaunch } from './launch';
import { sharedPlatformKeys } from './platform-keys';
import { adoptFirstDeployment, awaitsFirstDeployment, findPlatform, toLtiPlatform } from './registry';
import { checkTargetLink } from './url-policy';

/** The SPA has a minute to exchange the code a launch hands it. */
export const LTI_CODE_TTL_SECONDS = 60;

export interface LaunchForm {
  idToken: string;
  state: string;
  cookieHeader: string | undefined;
  acceptLanguage: string | undefined;
}

type LtiLoginState = typeof ltiLoginStates.$inferSelect;
type StateFailure = { ok: false; reason: 'unknown_state' | 'used_state' | 'expired_state' };
type Refusal = {
  ok: false;
  reason: string;
  /** Non-secret facts for the audit entry (claim names, deployment ids, key ids...). */
  details?: Record<string, unknown>;
};

export type LaunchOutcome =
  | {
      ok: true;
      /** `target_link_uri` with the one-time `lti_code`. */
      location: string;
      clearCookie: string;
      platformId: string;
      userId: string;
      via: 'link' | 'trusted_email' | 'created';
      browserBound: boolean;
    }
  | (Refusal & { platformId?: string; clearCookie?: string });

/**
 * `/lti/launch`: burns the state, checks the `id_token` against the state's platform and nonce,
 * finds or makes the account, and hands the SPA a one-time code on the target link.
 */
export async function completeLaunch(scope: Scope, form: LaunchForm): Promise<LaunchOutcome> {
  const stateHash = await sha256(form.state);
  const state = await burnState(scope, stateHash);
  if (!state.ok) return state;
  const clearCookie = clearBinding(stateHash);
  const refuse = (refusal: Refusal) => ({ ...refusal, platformId: state.row.platformId, clearCookie });

  const binding = await checkBinding(form.cookieHeader, stateHash, state.row.bindingHash);
  if (binding === 'mismatch') return refuse({ ok: false, reason: 'state_mismatch' });
  if (binding === 'other_login') return refuse({ ok: false, reason: 'state_of_other_login' });

  const platform = await findPlatform(scope.db, state.row.platformId);
  if (!platform) return refuse({ ok: false, reason: 'unknown_platform' });
  const adopting = awaitsFirstDeployment(platform);
  const checked = await verifyLaunch({
    idToken: form.idToken,
    platform: toLtiPlatform(platform),
    keys: sharedPlatformKeys,
    expectedNonceHash: state.row.nonceHash,
    acceptAnyDeployment: adopting,
  });
  if (!checked.ok) return refuse({ ok: false, reason: checked.reason, details: failureDetails(checked) });
  const { launch } = checked;

  if (adopting && !platform.deploymentIds.includes(launch.deploymentId)) {
    if (!(await adoptFirstDeployment(scope.db, platform.id, launch.deploymentId))) {
      return refuse({ ok: false, reason: 'unknown_deployment', details: { deployment_id: launch.deploymentId } });
    }
    audit(scope, 'lti.deployment_adopted', {
      details: { platform_id: platform.id, deployment_id: launch.deploymentId },
    });
  }
  if (!checkTargetLink(launch.targetLinkUri, scope.config.lti.targetOrigins).ok) {
    return refuse({ ok: false, reason: 'foreign_target', details: { target_origin: originOf(launch.targetLinkUri) } });
  }

  let account: Awaited<ReturnType<typeof accountForLaunch>>;
  try {
    account = await accountForLaunch(scope, platform, launch, form.acceptLanguage);
  } catch (error) {
    // Disabled, suspended, locked: refusals of the account's own (already in the history).
    if (error instanceof ApiError && error.status < 500) {
      return refuse({ ok: false, reason: error.reason ?? error.code, details: { sub: launch.sub } });
    }
    throw error;
  }

  const code = randomToken();
  const now = new Date();
  await scope.db.insert(ltiCodes).values({
    codeHash: await sha256(code),
    userId: account.user.id,
    platformId: platform.id,
    launch: codeLaunch(launch),
    createdAt: now,
    expiresAt: new Date(now.getTime() + LTI_CODE_TTL_SECONDS * 1000),
  });
  const location = new URL(launch.targetLinkUri);
  location.searchParams.set('lti_code', code);
  return {
    ok: true,
    location: location.toString(),
    clearCookie,
    platformId: platform.id,
    userId: account.user.id,
    via: account.via,
    browserBound: binding === 'bound',
  };
}

/**
 * Marks the state used in one conditional UPDATE: of two posts of the same state exactly one
 * gets the row. The nonce is bound to the state, so it is burnt with it.
 */
async function burnState(
  scope: Scope,
  stateHash: string,
): Promise<{ ok: true; row: LtiLoginState } | (StateFailure & { platformId?: string })> {
  const now = new Date();
  const [row] = await scope.db
    .update(ltiLoginStates)
    .set({ usedAt: now })
    .where(
      and(eq(ltiLoginStates.stateHash, stateHash), isNull(ltiLoginStates.usedAt), gt(ltiLoginStates.expiresAt, now)),
    )
    .returning();
  if (row) return { ok: true, row };
  const known = await scope.db.query.ltiLoginStates.findFirst({ where: eq(ltiLoginStates.stateHash, stateHash) });
  if (!known) return { ok: false, reason: 'unknown_state' };
  return { ok: false, reason: known.usedAt ? 'used_state' : 'expired_state', platformId: known.platformId };
}

function codeLaunch(launch: LtiLaunch) {
  return {
    deploymentId: launch.deploymentId,
    context: launch.context,
    resourceLink: launch.resourceLink,
    roles: launch.roles,
    custom: launch.custom,
  };
}

function failureDetails(failure: LaunchFailure): Record<string, unknown> {
  const { ok: _ok, reason: _reason, ...details } = failure;
  return Object.fromEntries(Object.entries(details).map(([key, value]) => [camelToSnake(key), value]));
}

function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'malformed';
  }
}
