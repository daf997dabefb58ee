import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { findUserById } from '../accounts/users';
import { audit } from '../audit/log';
import type { Passkey, User } from '../db/schema';
import { sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { type FailureReason, failure } from '../failures';
import { recordFailedSignIn } from '../history/record';
import type { Scope } from '../scope';
import { refuseBarredAccount, refuseLockedAccount } from '../sign-in/refusals';
import { consumeChallenge, storeChallenge } from './challenges';
import { findPasskeyByCredentialId, recordPasskeyUse, storedPasskey } from './store';
import { authenticationOptions, readClaims, verifyAuthentication } from './webauthn';

/**
 * Passwordless sign-in with a discoverable passkey: no email up front, the passkey names the
 * account. User verification (PIN, biometric) is required, so the passkey is both factors at once:
 * such a sign-in satisfies MFA and never asks for a code.
 */

export async function startPasskeySignIn(scope: Scope) {
  const { options, challenge } = await authenticationOptions(scope.config.webauthn);
  await storeChallenge(scope.db, 'authentication', challenge, null);
  return options;
}

/** Every refusal answers the same 400 `invalid_credentials`; the reason is for the log and audit. */
type PasskeyFailure = Extract<FailureReason, `passkey_${string}`>;

/**
 * Checks an assertion and returns the account it signs in to. The challenge is consumed first, so
 * a response is good for one attempt whatever its fate; then the passkey, its signature and
 * counter; then the account's own state (lock, suspension...), as for any sign-in.
 */
export async function signInWithPasskey(scope: Scope, response: AuthenticationResponseJSON): Promise<User> {
  const claims = readClaims(response);
  if (!claims) return refuse(scope, 'passkey_malformed_response');
  // Unverified: only to put the attempt in the claimed owner's history.
  const claimedOwner = async () => (claims.userId ? await findUserById(scope.db, claims.userId) : undefined);
  if (!(await consumeChallenge(scope.db, 'authentication', claims.challenge, null))) {
    return refuse(scope, 'passkey_challenge_invalid', await claimedOwner());
  }
  const passkey = await findPasskeyByCredentialId(scope.db, claims.credentialId);
  if (!passkey) return refuse(scope, 'passkey_unknown', await claimedOwner());
  const owner = await findUserById(scope.db, passkey.userId);
  if (!owner) return refuse(scope, 'passkey_unknown');

  const check = await verifyAuthentication(scope.config.webauthn, {
    response,
    expectedChallenge: claims.challenge,
    passkey: storedPasskey(passkey),
  });
  if (!check.ok) {
    if (check.reason === 'counter_regression') reportClone(scope, owner, passkey, check);
    return refuse(scope, `passkey_${check.reason}`, owner, check.detail);
  }
  await recordPasskeyUse(scope.db, passkey.id, { counter: check.counter, backedUp: check.backedUp });

  // The passkey was genuine: now the account's own state, as for a password or a provider.
  refuseBarredAccount(scope, owner, 'passkey');
  await refuseLockedAccount(scope, owner.email, { user: owner, method: 'passkey' });
  return owner;
}

function refuse(scope: Scope, reason: PasskeyFailure, user?: User, detail?: string): never {
  recordFailedSignIn(scope, {
    email: user?.email ?? '',
    user,
    reason: 'invalid_credentials',
    detail: detail ? `${reason}: ${detail.slice(0, 200)}` : reason,
    method: 'passkey',
  });
  throw failure(reason);
}

/**
 * A counter that went backwards: two devices hold the same private key, one of them a copy. The
 * sign-in is refused, the event audited, and the owner told which passkey to replace.
 */
function reportClone(
  scope: Scope,
  owner: User,
  passkey: Passkey,
  counters: { storedCounter: number; reportedCounter: number },
): void {
  audit(scope, 'passkey.clone_detected', {
    userId: owner.id,
    details: {
      id: passkey.id,
      name: passkey.name,
      stored_counter: counters.storedCounter,
      reported_counter: counters.reportedCounter,
    },
  });
  const { client } = scope;
  sendEmail(
    scope,
    owner,
    'passkey_clone_detected',
    {
      username: owner.username,
      name: passkey.name,
      time: emailTime(Date.now()),
      location: client.location ?? '?',
      device: client.device,
      browser: client.browser ?? '?',
      ip: client.ip ?? '?',
    },
    { action: `${scope.config.appUrl}/settings/passkeys` },
  );
}
