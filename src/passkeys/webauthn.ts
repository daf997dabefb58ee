import {
  type AuthenticationResponseJSON,
  type CredentialDeviceType,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { base64url, fromBase64url } from '../lib/crypto';
import type { WebAuthnSettings } from './settings';

/**
 * The WebAuthn ceremonies on top of @simplewebauthn/server, as data: options to hand to the browser,
 * and checks that never throw on what a client sends, with the internal reason for a refusal (for
 * logs and audit; the wire answer stays generic). Challenges are stored and consumed by the caller.
 */

/** How long a challenge is accepted server-side; the browser's `timeout` hint says the same. */
export const CHALLENGE_TTL_SECONDS = 5 * 60;

/**
 * COSE identifiers, in order of preference: ES256 (every authenticator), EdDSA (Ed25519), RS256
 * (Windows Hello). Fixed rather than the library's default, which grows with the runtime (ML-DSA).
 */
export const SUPPORTED_ALGORITHMS = [-7, -8, -257];

/** WebAuthn §5.8.4; anything else a client claims is dropped before it reaches storage. */
const KNOWN_TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** WebAuthn §7.1 step 20: longer credential IDs are refused. */
const MAX_CREDENTIAL_ID_BYTES = 1023;

export interface PasskeyOwner {
  /** Our user id: its UTF-8 bytes become the user handle the authenticator returns at sign-in. */
  id: string;
  /** Shown by the authenticator to tell accounts apart (email or username). */
  name: string;
  displayName: string;
}

export interface PasskeyDescriptor {
  credentialId: string;
  transports: string[];
}

/** What storage must keep of a registered passkey. */
export interface NewPasskey extends PasskeyDescriptor {
  /** COSE_Key bytes. */
  publicKey: Uint8Array;
  counter: number;
  /** Authenticator model (all zeros when the browser anonymised it). */
  aaguid: string;
  deviceType: CredentialDeviceType;
  backedUp: boolean;
  userVerified: boolean;
}

export interface StoredPasskey {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  userId: string;
}

export type CeremonyFailure =
  | 'malformed_response'
  | 'wrong_ceremony'
  | 'challenge_mismatch'
  | 'origin_mismatch'
  | 'rp_id_mismatch'
  | 'user_not_present'
  | 'user_not_verified'
  | 'unsupported_algorithm';

export type RegistrationCheck =
  | { ok: true; passkey: NewPasskey }
  | { ok: false; reason: CeremonyFailure | 'attestation_rejected'; detail: string };

export type AuthenticationCheck =
  | { ok: true; counter: number; deviceType: CredentialDeviceType; backedUp: boolean }
  | { ok: false; reason: 'counter_regression'; storedCounter: number; reportedCounter: number; detail: string }
  | {
      ok: false;
      reason: CeremonyFailure | 'credential_mismatch' | 'user_handle_mismatch' | 'bad_signature';
      detail: string;
    };

export interface CeremonyOptions<Options> {
  options: Options;
  /** To store server-side until the response comes back. */
  challenge: string;
}

/** A discoverable credential (the passkey itself names the account at sign-in), not already registered. */
export async function registrationOptions(
  settings: WebAuthnSettings,
  owner: PasskeyOwner,
  existing: PasskeyDescriptor[],
): Promise<CeremonyOptions<PublicKeyCredentialCreationOptionsJSON>> {
  const options = await generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpId,
    userID: new Uint8Array(new TextEncoder().encode(owner.id)),
    userName: owner.name,
    userDisplayName: owner.displayName,
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map(({ credentialId, transports }) => ({ id: credentialId, transports })),
    // UV only preferred here: the user is already signed in; sign-in itself requires it.
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
  return { options, challenge: options.challenge };
}

export async function verifyRegistration(
  settings: WebAuthnSettings,
  input: { response: RegistrationResponseJSON; expectedChallenge: string },
): Promise<RegistrationCheck> {
  try {
    const result = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: settings.origins,
      expectedRPID: settings.rpId,
      requireUserVerification: false,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
    if (!result.verified) {
      return { ok: false, reason: 'attestation_rejected', detail: 'attestation statement did not verify' };
    }
    const info = result.registrationInfo;
    if (fromBase64url(info.credential.id).length > MAX_CREDENTIAL_ID_BYTES) {
      return { ok: false, reason: 'malformed_response', detail: 'credential ID longer than 1023 bytes' };
    }
    return {
      ok: true,
      passkey: {
        credentialId: info.credential.id,
        publicKey: info.credential.publicKey,
        counter: info.credential.counter,
        transports: (info.credential.transports ?? []).filter((transport) => KNOWN_TRANSPORTS.has(transport)),
        aaguid: info.aaguid,
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        userVerified: info.userVerified,
      },
    };
  } catch (error) {
    return refusal(error, REGISTRATION_ERRORS);
  }
}

/** Discoverable sign-in: no account named up front, so no credential list; UV required. */
export async function authenticationOptions(
  settings: WebAuthnSettings,
): Promise<CeremonyOptions<PublicKeyCredentialRequestOptionsJSON>> {
  const options = await generateAuthenticationOptions({
    rpID: settings.rpId,
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    userVerification: 'required',
  });
  return { options, challenge: options.challenge };
}

export async function verifyAuthentication(
  settings: WebAuthnSettings,
  input: { response: AuthenticationResponseJSON; expectedChallenge: string; passkey: StoredPasskey },
): Promise<AuthenticationCheck> {
  const { response, passkey } = input;
  try {
    if (response.id !== passkey.credentialId) {
      return { ok: false, reason: 'credential_mismatch', detail: 'response is for another credential' };
    }
    // A discoverable credential always returns the handle it was created with (WebAuthn §7.2 step 6).
    if (userIdFromHandle(response.response.userHandle) !== passkey.userId) {
      return { ok: false, reason: 'user_handle_mismatch', detail: 'user handle missing or of another user' };
    }
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: settings.origins,
      expectedRPID: settings.rpId,
      // Counter 0 disables the library's own check, which runs before the signature: a forged
      // response must never pass for a cloned authenticator (that alerts the owner).
      credential: { id: passkey.credentialId, publicKey: new Uint8Array(passkey.publicKey), counter: 0 },
      requireUserVerification: true,
    });
    if (!result.verified) return { ok: false, reason: 'bad_signature', detail: 'signature did not verify' };
    const reported = result.authenticationInfo.newCounter;
    // Authenticators without a counter (most synced passkeys) always report 0.
    if ((reported > 0 || passkey.counter > 0) && reported <= passkey.counter) {
      return {
        ok: false,
        reason: 'counter_regression',
        storedCounter: passkey.counter,
        reportedCounter: reported,
        detail: `signature counter ${reported} not above ${passkey.counter}`,
      };
    }
    return {
      ok: true,
      counter: reported,
      deviceType: result.authenticationInfo.credentialDeviceType,
      backedUp: result.authenticationInfo.credentialBackedUp,
    };
  } catch (error) {
    return refusal(error, AUTHENTICATION_ERRORS);
  }
}

export interface ResponseClaims {
  challenge: string;
  credentialId: string;
  /** From the user handle; present in sign-in responses only. */
  userId: string | null;
}

/**
 * What a response claims, NOT verified: enough to consume the stored challenge and load the passkey
 * before calling a verify function. Null when the response cannot even be read.
 */
export function readClaims(response: unknown): ResponseClaims | null {
  try {
    const { id, response: inner } = response as { id?: unknown; response?: Record<string, unknown> };
    if (typeof id !== 'string' || !id || typeof inner?.clientDataJSON !== 'string') return null;
    const clientData = JSON.parse(new TextDecoder().decode(fromBase64url(inner.clientDataJSON)));
    if (typeof clientData?.challenge !== 'string' || !clientData.challenge) return null;
    return { challenge: clientData.challenge, credentialId: id, userId: userIdFromHandle(inner.userHandle) };
  } catch {
    return null;
  }
}

/** The `user.id` given to the authenticator at registration, base64url as the browser returns it. */
export function userHandleOf(userId: string): string {
  return base64url(new TextEncoder().encode(userId));
}

function userIdFromHandle(handle: unknown): string | null {
  if (typeof handle !== 'string' || !handle) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(fromBase64url(handle));
  } catch {
    return null;
  }
}

type ErrorPatterns<Reason> = Array<[RegExp, Reason]>;

// The library reports failures as Error messages. Anchored at the start, because some messages
// quote client-supplied values (origin, challenge) that must not steer the reason.
const COMMON_ERRORS: ErrorPatterns<CeremonyFailure> = [
  [/^Unexpected \w+ response type/, 'wrong_ceremony'],
  [/^(Unexpected \w+ response challenge|Custom challenge verifier)/, 'challenge_mismatch'],
  [
    /^(Unexpected \w+ response origin|Detected cross-origin|Unexpected (cross-origin \w+ response )?top origin)/,
    'origin_mismatch',
  ],
  [/^Unexpected RP ID hash/, 'rp_id_mismatch'],
  [/^User (not present|presence was required)/, 'user_not_present'],
  [/^User verification (was )?required/, 'user_not_verified'],
  [/^(Unexpected public key alg|This runtime's WebCrypto.subtle does not support)/, 'unsupported_algorithm'],
];
const REGISTRATION_ERRORS: ErrorPatterns<CeremonyFailure | 'attestation_rejected'> = [
  ...COMMON_ERRORS,
  // Format verifiers (packed, tpm, …) name the attestation or their format; others count as malformed.
  [/attestation|\((Packed|TPM|FIDOU2F|Android Key|SafetyNet|Apple)[|)]/i, 'attestation_rejected'],
];
const AUTHENTICATION_ERRORS = COMMON_ERRORS;

function refusal<Reason>(error: unknown, patterns: ErrorPatterns<Reason>) {
  const detail = error instanceof Error ? error.message : String(error);
  const match = patterns.find(([pattern]) => pattern.test(detail));
  return { ok: false as const, reason: match ? match[1] : ('malformed_response' as const), detail };
}
