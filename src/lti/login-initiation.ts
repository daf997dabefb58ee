import { randomToken, sha256 } from '../lib/crypto';
import type { LtiPlatform } from './platform';
import { checkPlatformUrl, checkTargetLink } from './url-policy';

/**
 * Third-party initiated login (Security Framework 1.0 §5.1.1, LTI Core 1.3 §4.1): the platform
 * sends the browser to us with who it is and a hint of who the user is; we send it back to the
 * platform's authorization endpoint with a fresh `state` and `nonce`. They are returned to the
 * caller to keep server-side (hashed), because the LMS iframe may have no cookies of ours.
 */

export interface LoginRequest {
  issuer: string;
  loginHint: string;
  targetLinkUri: string;
  ltiMessageHint: string | null;
  clientId: string | null;
  deploymentId: string | null;
}

export type LoginFailure =
  | { ok: false; reason: 'missing_parameter' | 'invalid_parameter'; parameter: string }
  | { ok: false; reason: 'unknown_issuer' | 'unknown_client' | 'ambiguous_client' }
  | { ok: false; reason: 'unknown_deployment'; deploymentId: string }
  | { ok: false; reason: 'foreign_target' | 'insecure_authorization_endpoint' };

export interface AuthorizationRedirect {
  /** Where to send the browser (302). */
  url: string;
  platform: LtiPlatform;
  request: LoginRequest;
  /** Raw values: they are in `url` and nowhere else; store only the hashes. */
  state: string;
  nonce: string;
  stateHash: string;
  nonceHash: string;
}

export type LoginInitiation = { ok: true; redirect: AuthorizationRedirect } | LoginFailure;

/** Each parameter's name and its length bound; Canvas's `lti_message_hint` is a JWT of a few kB. */
const PARAMETERS = {
  iss: { required: true, max: 2048 },
  login_hint: { required: true, max: 8192 },
  target_link_uri: { required: true, max: 2048 },
  lti_message_hint: { required: false, max: 8192 },
  client_id: { required: false, max: 255 },
  lti_deployment_id: { required: false, max: 255 },
} as const;
type ParameterName = keyof typeof PARAMETERS;

/** Reads the parameters from a GET query or a POST form (both are allowed by the spec). */
export function readLoginRequest(
  parameters: Readonly<Record<string, unknown>>,
): { ok: true; request: LoginRequest } | Extract<LoginFailure, { parameter: string }> {
  const values: Partial<Record<ParameterName, string>> = {};
  for (const [name, rule] of Object.entries(PARAMETERS) as [ParameterName, (typeof PARAMETERS)[ParameterName]][]) {
    const value = parameters[name];
    if (value === undefined || value === '') {
      if (rule.required) return { ok: false, reason: 'missing_parameter', parameter: name };
      continue;
    }
    if (typeof value !== 'string' || value.length > rule.max) {
      return { ok: false, reason: 'invalid_parameter', parameter: name };
    }
    values[name] = value;
  }
  return {
    ok: true,
    request: {
      issuer: values.iss as string,
      loginHint: values.login_hint as string,
      targetLinkUri: values.target_link_uri as string,
      ltiMessageHint: values.lti_message_hint ?? null,
      clientId: values.client_id ?? null,
      deploymentId: values.lti_deployment_id ?? null,
    },
  };
}

/**
 * The registration a login is for. One issuer can hold several registrations (a hosted Canvas
 * serves every school as `https://canvas.instructure.com`), told apart by `client_id`, which
 * platforms may omit; the deployment then decides, and if it cannot, the login is refused.
 */
export function choosePlatform(
  candidates: readonly LtiPlatform[],
  request: LoginRequest,
): { ok: true; platform: LtiPlatform } | LoginFailure {
  const atIssuer = candidates.filter((platform) => platform.issuer === request.issuer);
  if (atIssuer.length === 0) return { ok: false, reason: 'unknown_issuer' };
  let matching = atIssuer;
  if (request.clientId !== null) {
    matching = atIssuer.filter((platform) => platform.clientId === request.clientId);
    if (matching.length === 0) return { ok: false, reason: 'unknown_client' };
  } else if (atIssuer.length > 1 && request.deploymentId !== null) {
    const deploymentId = request.deploymentId;
    matching = atIssuer.filter((platform) => platform.deploymentIds.includes(deploymentId));
  }
  if (matching.length !== 1) return { ok: false, reason: 'ambiguous_client' };
  const platform = matching[0] as LtiPlatform;
  if (request.deploymentId !== null && !platform.deploymentIds.includes(request.deploymentId)) {
    return { ok: false, reason: 'unknown_deployment', deploymentId: request.deploymentId };
  }
  return { ok: true, platform };
}

export interface LoginInitiationInput {
  parameters: Readonly<Record<string, unknown>>;
  /** The registrations at the request's issuer (the caller looks them up by `iss`). */
  candidates: readonly LtiPlatform[];
  /** Our launch URL, as registered with the platform (`/lti/launch`). */
  redirectUri: string;
  /** Origins a launch may land on (`LTI_TARGET_ORIGINS`). */
  targetOrigins: readonly string[];
}

export async function initiateLogin(input: LoginInitiationInput): Promise<LoginInitiation> {
  const read = readLoginRequest(input.parameters);
  if (!read.ok) return read;
  const { request } = read;
  const chosen = choosePlatform(input.candidates, request);
  if (!chosen.ok) return chosen;
  const { platform } = chosen;
  // Refused here already, so that a foreign target fails before the user meets the platform.
  if (!checkTargetLink(request.targetLinkUri, input.targetOrigins).ok) return { ok: false, reason: 'foreign_target' };
  const endpoint = checkPlatformUrl(platform.authorizationEndpoint);
  if (!endpoint.ok) return { ok: false, reason: 'insecure_authorization_endpoint' };

  const state = randomToken();
  const nonce = randomToken();
  const url = new URL(endpoint.url);
  const query = url.searchParams;
  query.set('scope', 'openid');
  query.set('response_type', 'id_token');
  query.set('response_mode', 'form_post');
  // The user is already signed in at the platform; it must not show a login or consent page.
  query.set('prompt', 'none');
  query.set('client_id', platform.clientId);
  query.set('redirect_uri', input.redirectUri);
  query.set('login_hint', request.loginHint);
  if (request.ltiMessageHint !== null) query.set('lti_message_hint', request.ltiMessageHint);
  query.set('state', state);
  query.set('nonce', nonce);
  return {
    ok: true,
    redirect: {
      url: url.toString(),
      platform,
      request,
      state,
      nonce,
      stateHash: await sha256(state),
      nonceHash: await sha256(nonce),
    },
  };
}
