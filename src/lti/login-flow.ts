import { ltiLoginStates } from '../db/schema';
import type { Scope } from '../scope';
import { BINDING_TTL_SECONDS, newBinding } from './browser-binding';
import { initiateLogin, type LoginFailure } from './login-initiation';
import type { LtiPlatform } from './platform';
import { awaitsFirstDeployment, platformsAtIssuer, toLtiPlatform } from './registry';

/** How long a login waits for its launch: the platform answers at once, a person never types here. */
export const STATE_TTL_SECONDS = BINDING_TTL_SECONDS;

export type LoginStart =
  | { ok: true; location: string; setCookie: string; platformId: string }
  | (LoginFailure & { platformId?: string });

/**
 * `/lti/login`: finds the registration the platform means, stores the state and nonce (hashed),
 * and returns where to send the browser, with the cookie binding the state to it.
 */
export async function startLogin(
  scope: Scope,
  parameters: Readonly<Record<string, unknown>>,
  toolOrigin: string,
): Promise<LoginStart> {
  const issuer = parameters.iss;
  const rows = typeof issuer === 'string' && issuer.length <= 2048 ? await platformsAtIssuer(scope.db, issuer) : [];
  const requestedDeployment = parameters.lti_deployment_id;
  const candidates: LtiPlatform[] = rows.map((row) => {
    const platform = toLtiPlatform(row);
    // A platform awaiting its first deployment cannot check the (unsigned) hint yet: the signed
    // launch will, and adopts or refuses it.
    if (awaitsFirstDeployment(row) && typeof requestedDeployment === 'string' && requestedDeployment !== '') {
      return { ...platform, deploymentIds: [requestedDeployment] };
    }
    return platform;
  });
  const result = await initiateLogin({
    parameters,
    candidates,
    redirectUri: `${toolOrigin}/lti/launch`,
    targetOrigins: scope.config.lti.targetOrigins,
  });
  if (!result.ok) {
    // Attributed to the registration when the issuer has only one, so its admins see the refusal.
    const only = candidates.length === 1 ? candidates[0] : undefined;
    return { ...result, ...(only ? { platformId: only.id } : {}) };
  }

  const { redirect } = result;
  const binding = await newBinding(redirect.stateHash);
  const now = new Date();
  await scope.db.insert(ltiLoginStates).values({
    stateHash: redirect.stateHash,
    nonceHash: redirect.nonceHash,
    bindingHash: binding.bindingHash,
    platformId: redirect.platform.id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + STATE_TTL_SECONDS * 1000),
  });
  return { ok: true, location: redirect.url, setCookie: binding.setCookie, platformId: redirect.platform.id };
}
