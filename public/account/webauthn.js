// @ts-check
/**
 * The browser's WebAuthn API with the JSON the API speaks (base64url strings for binary fields, as
 * @simplewebauthn/server writes and reads them). Plain code instead of @simplewebauthn/browser: the
 * conversions are a few lines, and the console stays one origin with no build step or vendored copy.
 */

/** @param {string} text base64url @returns {ArrayBuffer} */
function fromBase64url(text) {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** @param {ArrayBuffer | null | undefined} buffer @returns {string | undefined} */
function toBase64url(buffer) {
  if (!buffer) return undefined;
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** @param {{ id: string, type: string, transports?: string[] }[] | undefined} list */
const descriptors = (list) => list?.map((entry) => ({ ...entry, id: fromBase64url(entry.id) }));

export function passkeysSupported() {
  return typeof window.PublicKeyCredential === 'function' && Boolean(navigator.credentials);
}

/**
 * Creates a passkey with the API's creation options; the answer is the JSON registration response.
 * Throws the browser's DOMException (NotAllowedError when cancelled, InvalidStateError when this
 * authenticator already holds one of the excluded credentials).
 * @param {any} options
 */
export async function createPasskey(options) {
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge),
    user: { ...options.user, id: fromBase64url(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  };
  const credential = /** @type {PublicKeyCredential} */ (await navigator.credentials.create({ publicKey }));
  const response = /** @type {AuthenticatorAttestationResponse} */ (credential.response);
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      attestationObject: toBase64url(response.attestationObject),
      transports: response.getTransports?.() ?? [],
    },
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
  };
}

/**
 * Signs the API's challenge with a passkey the person picks (discoverable: no account named).
 * @param {any} options
 */
export async function usePasskey(options) {
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge),
    allowCredentials: descriptors(options.allowCredentials),
  };
  const credential = /** @type {PublicKeyCredential} */ (await navigator.credentials.get({ publicKey }));
  const response = /** @type {AuthenticatorAssertionResponse} */ (credential.response);
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      authenticatorData: toBase64url(response.authenticatorData),
      signature: toBase64url(response.signature),
      userHandle: toBase64url(response.userHandle),
    },
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
  };
}
