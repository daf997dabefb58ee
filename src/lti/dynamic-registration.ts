import { z } from 'zod';
import { type LtiPlatform, RESOURCE_LINK_REQUEST } from './platform';
import { PLATFORM_ALGORITHMS } from './platform-keys';
import { checkIssuer, checkPlatformUrl } from './url-policy';

/**
 * LTI Dynamic Registration 1.0, tool side: read the platform's OpenID configuration, post our
 * client registration to it, and return the platform record to store. The page that tells the
 * LMS window to close (`org.imsglobal.lti.close`) is the HTTP layer's.
 */

export const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
export const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';

/** The identity claims the launch reads; Moodle, for one, sends name and email only when asked here. */
export const REQUESTED_CLAIMS = ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'] as const;

export interface ToolDescription {
  clientName: string;
  /** `/lti/login`: the platform's `initiate_login_uri`. */
  loginUrl: string;
  /** `/lti/launch`: the only redirect URI. */
  launchUrl: string;
  /** Where the platform can read our public keys (needed by LTI Advantage services later). */
  jwksUrl: string;
  /** The SPA a launch lands on (`APP_URL`). */
  targetLinkUri: string;
  /** Space-separated LTI Advantage scopes; none are needed for launches. */
  scope?: string;
  description?: string;
  logoUri?: string;
}

export type NewLtiPlatform = Omit<LtiPlatform, 'id' | 'trustsEmails' | 'roleMapping'>;

type Stage = 'openid_configuration' | 'registration';
export type RegistrationFailure =
  | { ok: false; reason: 'invalid_configuration_url' }
  | { ok: false; reason: 'unreachable'; stage: Stage; cause: 'timeout' | 'network' | 'malformed'; status?: number }
  | { ok: false; reason: 'configuration_refused'; status: number }
  | { ok: false; reason: 'invalid_configuration'; field: string }
  | { ok: false; reason: 'issuer_mismatch' }
  | { ok: false; reason: 'unsupported_platform'; missing: string }
  | { ok: false; reason: 'registration_refused'; status: number; error?: string }
  | { ok: false; reason: 'invalid_registration_response'; field: string };

export type RegistrationResult = { ok: true; platform: NewLtiPlatform } | RegistrationFailure;

export interface RegistrationInput {
  openidConfigurationUrl: string;
  /** Optional in the spec; sent as a Bearer token when the platform gave one. */
  registrationToken?: string | null;
  tool: ToolDescription;
  timeoutMs?: number;
}

const MAX_ANSWER_BYTES = 256 * 1024;
const stringList = z.array(z.string()).optional().catch(undefined);
const openidConfiguration = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  registration_endpoint: z.string(),
  jwks_uri: z.string(),
  token_endpoint: z.string().optional(),
  scopes_supported: stringList,
  response_types_supported: stringList,
  id_token_signing_alg_values_supported: stringList,
  [PLATFORM_CONFIGURATION]: z
    .object({
      product_family_code: z.string().max(100).optional().catch(undefined),
      messages_supported: z
        .array(z.object({ type: z.string() }))
        .optional()
        .catch(undefined),
    })
    .optional()
    .catch(undefined),
});
/** Platforms answer ids as strings, a few as numbers. */
const idValue = z.union([z.string().min(1).max(255), z.number().int().nonnegative()]).transform(String);
const registrationAnswer = z.object({
  client_id: idValue,
  [TOOL_CONFIGURATION]: z
    .object({ deployment_id: idValue.optional().catch(undefined) })
    .optional()
    .catch(undefined),
});

export async function registerWithPlatform(input: RegistrationInput): Promise<RegistrationResult> {
  const timeoutMs = input.timeoutMs ?? 10_000;
  const configurationUrl = checkPlatformUrl(input.openidConfigurationUrl);
  if (!configurationUrl.ok) return { ok: false, reason: 'invalid_configuration_url' };

  const fetched = await exchange('openid_configuration', configurationUrl.url.href, { method: 'GET' }, timeoutMs);
  if (!fetched.ok) return fetched;
  if (fetched.status !== 200) return { ok: false, reason: 'configuration_refused', status: fetched.status };
  const parsed = openidConfiguration.safeParse(fetched.body);
  if (!parsed.success) {
    return { ok: false, reason: 'invalid_configuration', field: String(parsed.error.issues[0]?.path[0] ?? 'body') };
  }
  const configuration = parsed.data;
  const checked = checkConfiguration(configuration, configurationUrl.url);
  if (checked) return checked;

  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (input.registrationToken) headers.Authorization = `Bearer ${input.registrationToken}`;
  const registered = await exchange(
    'registration',
    configuration.registration_endpoint,
    { method: 'POST', headers, body: JSON.stringify(clientRegistration(input.tool)) },
    timeoutMs,
  );
  if (!registered.ok) return registered;
  if (registered.status !== 200 && registered.status !== 201) {
    return { ok: false, reason: 'registration_refused', status: registered.status, ...oauthError(registered.body) };
  }
  const answer = registrationAnswer.safeParse(registered.body);
  if (!answer.success) return { ok: false, reason: 'invalid_registration_response', field: 'client_id' };
  const deploymentId = answer.data[TOOL_CONFIGURATION]?.deployment_id;

  return {
    ok: true,
    platform: {
      name: platformName(configuration),
      issuer: configuration.issuer,
      clientId: answer.data.client_id,
      // Canvas creates deployments after registration: then none is known yet.
      deploymentIds: deploymentId === undefined ? [] : [deploymentId],
      authorizationEndpoint: configuration.authorization_endpoint,
      jwksUrl: configuration.jwks_uri,
      tokenEndpoint: configuration.token_endpoint ?? null,
    },
  };
}

type Configuration = z.infer<typeof openidConfiguration>;

function checkConfiguration(configuration: Configuration, configurationUrl: URL): RegistrationFailure | null {
  const issuer = checkIssuer(configuration.issuer);
  if (!issuer.ok) return { ok: false, reason: 'invalid_configuration', field: 'issuer' };
  // Whoever serves the configuration speaks for that origin only (LTI-DR §3.5.1): a configuration
  // naming another issuer would let one platform register launches in another's name.
  if (issuer.url.origin !== configurationUrl.origin) return { ok: false, reason: 'issuer_mismatch' };
  const endpoints = ['authorization_endpoint', 'registration_endpoint', 'jwks_uri', 'token_endpoint'] as const;
  for (const field of endpoints) {
    const value = configuration[field];
    if (value !== undefined && !checkPlatformUrl(value).ok)
      return { ok: false, reason: 'invalid_configuration', field };
  }

  // Lists the platform leaves out are taken as "not stated"; lists that exclude what we need are not.
  const lacks = (list: string[] | undefined, ...needed: string[]) =>
    list !== undefined && !needed.some((value) => list.includes(value));
  if (lacks(configuration.scopes_supported, 'openid'))
    return { ok: false, reason: 'unsupported_platform', missing: 'openid' };
  if (lacks(configuration.response_types_supported, 'id_token')) {
    return { ok: false, reason: 'unsupported_platform', missing: 'id_token' };
  }
  if (lacks(configuration.id_token_signing_alg_values_supported, ...PLATFORM_ALGORITHMS)) {
    return { ok: false, reason: 'unsupported_platform', missing: PLATFORM_ALGORITHMS.join('|') };
  }
  const messages = configuration[PLATFORM_CONFIGURATION]?.messages_supported?.map((message) => message.type);
  if (lacks(messages, RESOURCE_LINK_REQUEST)) {
    return { ok: false, reason: 'unsupported_platform', missing: RESOURCE_LINK_REQUEST };
  }
  return null;
}

/** The client registration request (LTI-DR §3.5.2): OIDC client metadata plus the LTI tool configuration. */
export function clientRegistration(tool: ToolDescription): Record<string, unknown> {
  const target = new URL(tool.targetLinkUri);
  const loginHost = new URL(tool.loginUrl).host;
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: tool.loginUrl,
    redirect_uris: [tool.launchUrl],
    client_name: tool.clientName,
    jwks_uri: tool.jwksUrl,
    ...(tool.logoUri ? { logo_uri: tool.logoUri } : {}),
    token_endpoint_auth_method: 'private_key_jwt',
    // Canvas splits this string, so it is sent even when empty.
    scope: tool.scope ?? '',
    [TOOL_CONFIGURATION]: {
      domain: target.host,
      ...(loginHost !== target.host ? { secondary_domains: [loginHost] } : {}),
      target_link_uri: tool.targetLinkUri,
      ...(tool.description ? { description: tool.description } : {}),
      claims: [...REQUESTED_CLAIMS],
      messages: [{ type: RESOURCE_LINK_REQUEST, target_link_uri: tool.targetLinkUri, label: tool.clientName }],
    },
  };
}

function platformName(configuration: Configuration): string {
  const host = new URL(configuration.issuer).host;
  const family = configuration[PLATFORM_CONFIGURATION]?.product_family_code?.trim();
  return family ? `${family} (${host})` : host;
}

function oauthError(body: unknown): { error?: string } {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'string' && /^[a-z_]{1,64}$/.test(error) ? { error } : {};
}

type Exchange = { ok: true; status: number; body: unknown } | Extract<RegistrationFailure, { reason: 'unreachable' }>;

async function exchange(stage: Stage, url: string, init: RequestInit, timeoutMs: number): Promise<Exchange> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { Accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { ok: false, reason: 'unreachable', stage, cause: isTimeout(error) ? 'timeout' : 'network' };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return { ok: false, reason: 'unreachable', stage, cause: isTimeout(error) ? 'timeout' : 'network' };
  }
  if (text.length > MAX_ANSWER_BYTES) {
    return { ok: false, reason: 'unreachable', stage, cause: 'malformed', status: response.status };
  }
  try {
    return { ok: true, status: response.status, body: text ? JSON.parse(text) : null };
  } catch {
    // An error page in HTML is still a refusal worth reporting with its status.
    if (response.status >= 400) return { ok: true, status: response.status, body: null };
    return { ok: false, reason: 'unreachable', stage, cause: 'malformed', status: response.status };
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}
