import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { type CallOptions, json, post } from './api';
import { type CreateContext, type GetContext, SoftwareAuthenticator } from './software-authenticator';

/** A page of the front end: APP_URL's origin in wrangler.toml, so an allowed WebAuthn origin. */
export const ORIGIN = 'http://localhost:3000';

export async function creationOptions(token: string, body: unknown = {}, options: CallOptions = {}) {
  const response = await post('passkeys/register/options', body, { ...options, token });
  if (response.status !== 200) throw new Error(`options refused: ${response.status} ${await response.text()}`);
  return (await json(response)).options as PublicKeyCredentialCreationOptionsJSON;
}

export async function requestOptions(options: CallOptions = {}) {
  const response = await post('login/passkey/options', {}, options);
  if (response.status !== 200) throw new Error(`options refused: ${response.status} ${await response.text()}`);
  return (await json(response)).options as PublicKeyCredentialRequestOptionsJSON;
}

/** Options, the authenticator's answer, and the register call: the raw response of the last step. */
export async function attemptRegistration(
  token: string,
  authenticator: SoftwareAuthenticator,
  context: Partial<CreateContext> = {},
  extra: Record<string, unknown> = {},
) {
  const options = await creationOptions(token);
  const credential = await authenticator.create(options, { origin: ORIGIN, ...context });
  return post('passkeys/register', { response: credential, ...extra }, { token });
}

/** A passkey on a fresh software authenticator, registered by the signed-in user. */
export async function withPasskey(token: string, context: Partial<CreateContext> = {}, extra = {}) {
  const authenticator = new SoftwareAuthenticator();
  const response = await attemptRegistration(token, authenticator, context, extra);
  if (response.status !== 201) throw new Error(`register refused: ${response.status} ${await response.text()}`);
  const { passkey } = await json(response);
  return { authenticator, passkey: passkey as { id: string; name: string } };
}

/** An assertion for a fresh sign-in challenge. */
export async function assertion(
  authenticator: SoftwareAuthenticator,
  context: Partial<GetContext> = {},
  options: CallOptions = {},
): Promise<AuthenticationResponseJSON> {
  return authenticator.get(await requestOptions(options), { origin: ORIGIN, ...context });
}

export function passkeySignIn(response: AuthenticationResponseJSON, extra = {}, options: CallOptions = {}) {
  return post('login/passkey', { response, ...extra }, options);
}

/** clientDataJSON rewritten (no signature covers it in a `none` attestation). */
export function withClientData(
  response: RegistrationResponseJSON,
  clientData: Record<string, unknown>,
): RegistrationResponseJSON {
  const encoded = btoa(JSON.stringify(clientData)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return { ...response, response: { ...response.response, clientDataJSON: encoded } };
}
