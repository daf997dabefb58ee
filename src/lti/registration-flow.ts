import { and, eq, gt, isNull } from 'drizzle-orm';
import { audit } from '../audit/log';
import type { Config } from '../config';
import { type LtiPlatformRow, ltiPlatforms, ltiRegistrationLinks, type User } from '../db/schema';
import { randomToken, sha256 } from '../lib/crypto';
import type { Scope } from '../scope';
import { registerWithPlatform, type ToolDescription } from './dynamic-registration';
import { isUniqueViolation } from './registry';
import { checkPlatformUrl } from './url-policy';

/** How long an admin's registration link works (single use). */
export const REGISTRATION_LINK_TTL_SECONDS = 3600;

/** Where the LMS sends the browser of its administrator; it adds `openid_configuration` and `registration_token`. */
export const REGISTER_PATH = '/lti/register';

/** What this tool tells platforms about itself, from the origin it is served at. */
export function toolDescription(config: Config, toolOrigin: string): ToolDescription {
  return {
    clientName: config.mfa.issuer,
    loginUrl: `${toolOrigin}/lti/login`,
    launchUrl: `${toolOrigin}/lti/launch`,
    jwksUrl: `${toolOrigin}/lti/jwks.json`,
    targetLinkUri: `${config.appUrl}/lti`,
  };
}

/** A one-time link for an LMS administrator (only its hash is stored). */
export async function createRegistrationLink(
  scope: Scope,
  actor: User,
  toolOrigin: string,
): Promise<{ url: string; expiresAt: Date }> {
  const token = randomToken();
  const now = new Date();
  const expiresAt = new Date(now.getTime() + REGISTRATION_LINK_TTL_SECONDS * 1000);
  const [link] = await scope.db
    .insert(ltiRegistrationLinks)
    .values({ tokenHash: await sha256(token), createdBy: actor.id, createdAt: now, expiresAt })
    .returning({ id: ltiRegistrationLinks.id });
  audit(scope, 'lti.registration_link_created', {
    actorId: actor.id,
    details: { link_id: link?.id, expires_at: expiresAt.toISOString() },
  });
  return { url: `${toolOrigin}${REGISTER_PATH}?link=${encodeURIComponent(token)}`, expiresAt };
}

export type RegistrationOutcome =
  | { ok: true; platform: LtiPlatformRow; frameOrigin: string }
  | { ok: false; reason: string; details?: Record<string, unknown>; frameOrigin?: string; actorId?: string | null };

/**
 * `/lti/register`: the LMS opened our registration link with its OpenID configuration URL and
 * registration token. The link is claimed first (so two tabs cannot register twice) and given
 * back if the platform fails, so that the LMS administrator can retry within the hour.
 */
export async function registerFromLink(
  scope: Scope,
  query: Readonly<Record<string, string | undefined>>,
  toolOrigin: string,
): Promise<RegistrationOutcome> {
  const { link, openid_configuration: configurationUrl, registration_token: registrationToken } = query;
  for (const [name, value, max] of [
    ['link', link, 200],
    ['openid_configuration', configurationUrl, 2048],
  ] as const) {
    if (!value) return { ok: false, reason: 'missing_parameter', details: { parameter: name } };
    if (value.length > max) return { ok: false, reason: 'invalid_parameter', details: { parameter: name } };
  }
  if (registrationToken !== undefined && registrationToken.length > 8192) {
    return { ok: false, reason: 'invalid_parameter', details: { parameter: 'registration_token' } };
  }

  const claimed = await claimLink(scope, link as string);
  if (!claimed) return { ok: false, reason: 'registration_link_invalid' };
  const configurationCheck = checkPlatformUrl(configurationUrl as string);
  const frameOrigin = configurationCheck.ok ? configurationCheck.url.origin : undefined;
  const giveBack = async (reason: string, details: Record<string, unknown> = {}): Promise<RegistrationOutcome> => {
    await scope.db
      .update(ltiRegistrationLinks)
      .set({ usedAt: null })
      .where(and(eq(ltiRegistrationLinks.id, claimed.id), eq(ltiRegistrationLinks.usedAt, claimed.usedAt)));
    return { ok: false, reason, details, actorId: claimed.createdBy, ...(frameOrigin ? { frameOrigin } : {}) };
  };

  const result = await registerWithPlatform({
    openidConfigurationUrl: configurationUrl as string,
    registrationToken: registrationToken || null,
    tool: toolDescription(scope.config, toolOrigin),
  });
  if (!result.ok) {
    const { ok: _ok, reason, ...details } = result;
    return giveBack(reason, details);
  }

  const now = new Date();
  let platform: LtiPlatformRow | undefined;
  try {
    [platform] = await scope.db
      .insert(ltiPlatforms)
      .values({
        ...result.platform,
        deploymentIds: [...result.platform.deploymentIds],
        registeredVia: 'dynamic',
        createdAt: now,
        updatedAt: now,
      })
      .returning();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return giveBack('already_registered', { issuer: result.platform.issuer, client_id: result.platform.clientId });
  }
  if (!platform) throw new Error('insert returned no platform');
  await scope.db
    .update(ltiRegistrationLinks)
    .set({ platformId: platform.id })
    .where(eq(ltiRegistrationLinks.id, claimed.id));
  audit(scope, 'lti.platform_registered', {
    actorId: claimed.createdBy,
    details: {
      platform_id: platform.id,
      platform: platform.name,
      issuer: platform.issuer,
      client_id: platform.clientId,
      deployment_ids: platform.deploymentIds,
      link_id: claimed.id,
    },
  });
  return { ok: true, platform, frameOrigin: frameOrigin ?? new URL(platform.issuer).origin };
}

async function claimLink(scope: Scope, token: string) {
  const now = new Date();
  const [claimed] = await scope.db
    .update(ltiRegistrationLinks)
    .set({ usedAt: now })
    .where(
      and(
        eq(ltiRegistrationLinks.tokenHash, await sha256(token)),
        isNull(ltiRegistrationLinks.usedAt),
        gt(ltiRegistrationLinks.expiresAt, now),
      ),
    )
    .returning({
      id: ltiRegistrationLinks.id,
      usedAt: ltiRegistrationLinks.usedAt,
      createdBy: ltiRegistrationLinks.createdBy,
    });
  return claimed ? { ...claimed, usedAt: claimed.usedAt ?? now } : undefined;
}
