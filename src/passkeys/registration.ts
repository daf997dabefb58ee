import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { audit } from '../audit/log';
import type { Passkey, User } from '../db/schema';
import { sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { ApiError } from '../errors';
import type { Scope } from '../scope';
import { consumeChallenge, storeChallenge } from './challenges';
import { insertPasskey, listPasskeys } from './store';
import { type CeremonyFailure, readClaims, registrationOptions, verifyRegistration } from './webauthn';

/**
 * Adding a passkey to the signed-in account (the caller has re-authenticated): creation options
 * with a stored challenge, then the browser's answer, checked and kept. The account's owner is
 * emailed, since a passkey is a lasting way into the account.
 */

export async function startPasskeyRegistration(scope: Scope, user: User) {
  const existing = await listPasskeys(scope.db, user.id);
  const { options, challenge } = await registrationOptions(
    scope.config.webauthn,
    { id: user.id, name: user.email, displayName: user.username },
    existing,
  );
  await storeChallenge(scope.db, 'registration', challenge, user.id);
  return options;
}

type RegistrationRefusal = CeremonyFailure | 'attestation_rejected' | 'challenge_invalid';

/**
 * The signed-in owner may learn what went wrong (it helps a front end's developer with a wrong
 * origin), in words that do not echo anything the client sent.
 */
const REFUSAL_DETAIL: Record<RegistrationRefusal, string> = {
  challenge_invalid: 'This registration expired or was already used: ask for new options',
  challenge_mismatch: 'This registration expired or was already used: ask for new options',
  malformed_response: 'The passkey response could not be read',
  wrong_ceremony: 'This is not a registration response',
  origin_mismatch: 'The passkey was created on a page whose origin is not allowed',
  rp_id_mismatch: 'The passkey was created for another site',
  user_not_present: 'The authenticator did not confirm that a person was present',
  user_not_verified: 'The authenticator did not verify the user',
  unsupported_algorithm: 'The authenticator uses an unsupported key type',
  attestation_rejected: 'The authenticator’s attestation did not verify',
};

function refused(reason: RegistrationRefusal, detail?: string): ApiError {
  return new ApiError('passkey_rejected', {
    detail: REFUSAL_DETAIL[reason],
    reason: `registration_${reason}${detail ? `: ${detail.slice(0, 200)}` : ''}`,
  });
}

export async function finishPasskeyRegistration(
  scope: Scope,
  user: User,
  input: { response: RegistrationResponseJSON; name?: string },
): Promise<Passkey> {
  const claims = readClaims(input.response);
  if (!claims) throw refused('malformed_response');
  if (!(await consumeChallenge(scope.db, 'registration', claims.challenge, user.id))) {
    throw refused('challenge_invalid');
  }
  const check = await verifyRegistration(scope.config.webauthn, {
    response: input.response,
    expectedChallenge: claims.challenge,
  });
  if (!check.ok) throw refused(check.reason, check.detail);

  const name = input.name ?? defaultName(scope);
  const passkey = await insertPasskey(scope.db, user.id, check.passkey, name);
  if (!passkey) {
    throw new ApiError('conflict', { detail: 'This passkey is already registered', reason: 'credential_id_taken' });
  }
  audit(scope, 'passkey.registered', {
    userId: user.id,
    details: { id: passkey.id, name, device_type: passkey.deviceType, backed_up: passkey.backedUp },
  });
  sendEmail(
    scope,
    user,
    'passkey_added',
    { username: user.username, name, time: emailTime(passkey.createdAt) },
    { action: `${scope.config.appUrl}/settings/passkeys` },
  );
  return passkey;
}

/** "Chrome on macOS": what the owner will recognise in the list until they rename it. */
function defaultName(scope: Scope): string {
  const { browserName, os } = scope.client;
  if (browserName && os) return `${browserName} on ${os}`.slice(0, 64);
  return 'Passkey';
}
