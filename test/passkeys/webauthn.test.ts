import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import type { WebAuthnSettings } from '../../src/passkeys/settings';
import {
  authenticationOptions,
  readClaims,
  registrationOptions,
  type StoredPasskey,
  userHandleOf,
  verifyAuthentication,
  verifyRegistration,
} from '../../src/passkeys/webauthn';
import { type GetContext, SoftwareAuthenticator, type SoftwareKeyAlgorithm } from '../helpers/software-authenticator';

const settings: WebAuthnSettings = {
  rpId: 'localhost',
  rpName: 'Learning Platform',
  origins: ['http://localhost:3000', 'http://localhost:5173'],
};
const ORIGIN = 'http://localhost:3000';
const ALGORITHMS: SoftwareKeyAlgorithm[] = ['ES256', 'EdDSA'];

function owner(id: string = crypto.randomUUID()) {
  return { id, name: `${id.slice(0, 8)}@example.com`, displayName: 'Ada Lovelace' };
}

/** Registers a passkey on a fresh authenticator and returns what storage would hold. */
async function registered(algorithm: SoftwareKeyAlgorithm = 'ES256') {
  const authenticator = new SoftwareAuthenticator();
  const user = owner();
  const { options, challenge } = await registrationOptions(settings, user, []);
  const response = await authenticator.create(options, { origin: ORIGIN, algorithm });
  const check = await verifyRegistration(settings, { response, expectedChallenge: challenge });
  if (!check.ok) throw new Error(`registration refused: ${check.reason} ${check.detail}`);
  const stored: StoredPasskey = { ...check.passkey, userId: user.id };
  return { authenticator, user, passkey: check.passkey, stored };
}

async function signIn(
  authenticator: SoftwareAuthenticator,
  stored: StoredPasskey,
  context: Partial<GetContext> = {},
  expectedChallenge?: string,
) {
  const { options, challenge } = await authenticationOptions(settings);
  const response = await authenticator.get(options, { origin: ORIGIN, ...context });
  return verifyAuthentication(settings, {
    response,
    expectedChallenge: expectedChallenge ?? challenge,
    passkey: stored,
  });
}

describe('registration options', () => {
  it('ask for a discoverable credential, exclude the existing ones and offer ES256, EdDSA and RS256', async () => {
    const user = owner();
    const existing = [{ credentialId: 'AAEC', transports: ['internal'] }];
    const { options, challenge } = await registrationOptions(settings, user, existing);
    expect(options).toMatchObject({
      rp: { id: 'localhost', name: 'Learning Platform' },
      user: { id: userHandleOf(user.id), name: user.name, displayName: 'Ada Lovelace' },
      pubKeyCredParams: [
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -8 },
        { type: 'public-key', alg: -257 },
      ],
      timeout: 300_000,
      attestation: 'none',
      excludeCredentials: [{ id: 'AAEC', type: 'public-key', transports: ['internal'] }],
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
    });
    expect(challenge).toBe(options.challenge);
    // 32 random bytes, fresh each time.
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await registrationOptions(settings, user, existing)).challenge).not.toBe(challenge);
  });

  it('keep an authenticator from registering the same passkey twice', async () => {
    const { authenticator, user, passkey } = await registered();
    const { options } = await registrationOptions(settings, user, [passkey]);
    await expect(authenticator.create(options, { origin: ORIGIN })).rejects.toThrow(/excluded credential/);
  });
});

describe('authentication options', () => {
  it('name no credential (the passkey names the account) and require user verification', async () => {
    const { options, challenge } = await authenticationOptions(settings);
    expect(options).toEqual({ rpId: 'localhost', challenge, timeout: 300_000, userVerification: 'required' });
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe.each(ALGORITHMS)('a %s passkey', (algorithm) => {
  it('registers with none attestation, then signs in with a rising counter', async () => {
    const { authenticator, passkey, stored } = await registered(algorithm);
    expect(passkey).toMatchObject({
      counter: 0,
      aaguid: '00000000-0000-0000-0000-000000000000',
      deviceType: 'multiDevice',
      backedUp: true,
      userVerified: true,
      transports: ['internal', 'hybrid'],
    });
    expect(passkey.credentialId).toBe(authenticator.passkeys[0]!.id);

    const first = await signIn(authenticator, stored);
    expect(first).toEqual({ ok: true, counter: 1, deviceType: 'multiDevice', backedUp: true });
    const second = await signIn(authenticator, { ...stored, counter: 1 });
    expect(second).toMatchObject({ ok: true, counter: 2 });
  });

  it('is refused when signed with a key the server never saw', async () => {
    const { authenticator, stored } = await registered(algorithm);
    expect(await signIn(authenticator, stored, { signWithAnotherKey: true })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });
});

describe('registration is refused', () => {
  async function attempt(context: { origin?: string; rpId?: string }, expected?: string) {
    const { options, challenge } = await registrationOptions(settings, owner(), []);
    const response = await new SoftwareAuthenticator().create(options, { origin: ORIGIN, ...context });
    return verifyRegistration(settings, { response, expectedChallenge: expected ?? challenge });
  }

  it.each([
    ['from an origin not allowed', { origin: 'https://evil.example' }, 'origin_mismatch'],
    ['for another RP ID', { rpId: 'evil.example' }, 'rp_id_mismatch'],
    ['with another challenge', {}, 'challenge_mismatch', 'c29tZS1vdGhlci1jaGFsbGVuZ2U'],
  ])('%s', async (_case, context, reason, expected?: string) => {
    expect(await attempt(context, expected)).toMatchObject({ ok: false, reason });
  });

  it('with a credential ID longer than 1023 bytes', async () => {
    const { options, challenge } = await registrationOptions(settings, owner(), []);
    const authenticator = new SoftwareAuthenticator({ credentialIdLength: 1024 });
    const response = await authenticator.create(options, { origin: ORIGIN });
    expect(await verifyRegistration(settings, { response, expectedChallenge: challenge })).toMatchObject({
      ok: false,
      reason: 'malformed_response',
      detail: 'credential ID longer than 1023 bytes',
    });
  });

  it('when it is a sign-in response', async () => {
    const { authenticator } = await registered();
    const { options, challenge } = await authenticationOptions(settings);
    const assertion = await authenticator.get(options, { origin: ORIGIN });
    const check = await verifyRegistration(settings, {
      response: assertion as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge,
    });
    expect(check).toMatchObject({ ok: false, reason: 'wrong_ceremony' });
  });
});

describe('registration accepts', () => {
  it('an authenticator without user verification (preferred only), and says so', async () => {
    const { options, challenge } = await registrationOptions(settings, owner(), []);
    const response = await new SoftwareAuthenticator().create(options, { origin: ORIGIN, userVerified: false });
    expect(await verifyRegistration(settings, { response, expectedChallenge: challenge })).toMatchObject({
      ok: true,
      passkey: { userVerified: false },
    });
  });

  it('a single-device security key from the second allowed origin, keeping only known transports', async () => {
    const authenticator = new SoftwareAuthenticator({
      backupEligible: false,
      transports: ['usb', 'nfc', 'carrier-pigeon'],
      attachment: 'cross-platform',
    });
    const { options, challenge } = await registrationOptions(settings, owner(), []);
    const response = await authenticator.create(options, { origin: 'http://localhost:5173' });
    expect(await verifyRegistration(settings, { response, expectedChallenge: challenge })).toMatchObject({
      ok: true,
      passkey: { deviceType: 'singleDevice', backedUp: false, transports: ['usb', 'nfc'] },
    });
  });
});

describe('sign-in is refused', () => {
  it.each([
    ['from an origin not allowed', { origin: 'https://evil.example' }, 'origin_mismatch'],
    ['for another RP ID', { rpId: 'evil.example' }, 'rp_id_mismatch'],
    ['without user verification', { userVerified: false }, 'user_not_verified'],
  ] as const)('%s', async (_case, context, reason) => {
    const { authenticator, stored } = await registered();
    expect(await signIn(authenticator, stored, context)).toMatchObject({ ok: false, reason });
  });

  it('for a challenge other than the one stored', async () => {
    const { authenticator, stored } = await registered();
    const { challenge: another } = await authenticationOptions(settings);
    expect(await signIn(authenticator, stored, {}, another)).toMatchObject({
      ok: false,
      reason: 'challenge_mismatch',
    });
  });

  it('when the counter goes backwards or stands still (a cloned authenticator), with both values', async () => {
    const { authenticator, stored } = await registered();
    const atSeven = { ...stored, counter: 7 };
    expect(await signIn(authenticator, atSeven, { signCount: 3 })).toMatchObject({
      ok: false,
      reason: 'counter_regression',
      storedCounter: 7,
      reportedCounter: 3,
    });
    expect(await signIn(authenticator, atSeven, { signCount: 7 })).toMatchObject({ reason: 'counter_regression' });
    expect(await signIn(authenticator, atSeven, { signCount: 0 })).toMatchObject({ reason: 'counter_regression' });
    expect(await signIn(authenticator, atSeven, { signCount: 8 })).toMatchObject({ ok: true, counter: 8 });
  });

  it('as a bad signature, not a clone, when a low counter comes with a forged signature', async () => {
    const { authenticator, stored } = await registered();
    expect(
      await signIn(authenticator, { ...stored, counter: 7 }, { signCount: 3, signWithAnotherKey: true }),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('when the response is for another credential than the one loaded', async () => {
    const { authenticator, stored } = await registered();
    const other = await registered();
    expect(await signIn(authenticator, { ...other.stored, userId: stored.userId })).toMatchObject({
      ok: false,
      reason: 'credential_mismatch',
    });
  });

  it('when the user handle is of another user than the passkey owner', async () => {
    const { authenticator, stored } = await registered();
    expect(await signIn(authenticator, { ...stored, userId: crypto.randomUUID() })).toMatchObject({
      ok: false,
      reason: 'user_handle_mismatch',
    });
  });
});

describe('sign-in accepts', () => {
  it('a synced passkey whose counter stays at 0', async () => {
    const { authenticator, stored } = await registered();
    expect(await signIn(authenticator, stored, { signCount: 0 })).toMatchObject({ ok: true, counter: 0 });
    expect(await signIn(authenticator, stored, { signCount: 0 })).toMatchObject({ ok: true, counter: 0 });
  });
});

describe('what a client sends never throws', () => {
  const credential = (id: string, response: Record<string, unknown>) => ({
    id,
    rawId: id,
    type: 'public-key',
    response,
  });

  it.each([
    [null, 'malformed_response'],
    ['text', 'malformed_response'],
    [{}, 'malformed_response'],
    [{ id: 'AAEC', rawId: 'AAEC', type: 'public-key' }, 'malformed_response'],
    [{ id: 'AAEC', rawId: 'AQID', type: 'public-key', response: {} }, 'malformed_response'],
    [credential('AAEC', { clientDataJSON: '!!!' }), 'malformed_response'],
    // clientDataJSON `{}`: no type at all.
    [credential('AAEC', { clientDataJSON: 'e30', attestationObject: 'oA' }), 'wrong_ceremony'],
  ])('registration: %j is refused as %s', async (response, reason) => {
    const check = await verifyRegistration(settings, {
      response: response as RegistrationResponseJSON,
      expectedChallenge: 'x',
    });
    expect(check).toMatchObject({ ok: false, reason });
  });

  it.each([
    ['null', () => null, 'malformed_response'],
    ['an empty object', () => ({}), 'credential_mismatch'],
    [
      'another credential type',
      (id: string, handle: string) => ({ ...credential(id, { userHandle: handle }), type: 'other' }),
      'malformed_response',
    ],
    ['no client data', (id: string, handle: string) => credential(id, { userHandle: handle }), 'malformed_response'],
    [
      'client data not base64url',
      (id: string, handle: string) => credential(id, { userHandle: handle, clientDataJSON: '!!!' }),
      'malformed_response',
    ],
    [
      'client data without a type',
      (id: string, handle: string) => credential(id, { userHandle: handle, clientDataJSON: 'e30' }),
      'wrong_ceremony',
    ],
    [
      'a user handle not base64url',
      (id: string) => credential(id, { userHandle: '!!!', clientDataJSON: 'e30' }),
      'user_handle_mismatch',
    ],
  ])('sign-in: %s is refused as %s', async (_case, build, reason) => {
    const { stored } = await registered();
    const check = await verifyAuthentication(settings, {
      response: build(stored.credentialId, userHandleOf(stored.userId)) as AuthenticationResponseJSON,
      expectedChallenge: 'x',
      passkey: stored,
    });
    expect(check).toMatchObject({ ok: false, reason });
  });

  it('truncated authenticator data and a corrupt attestation object are malformed', async () => {
    const { authenticator, stored } = await registered();
    const { options, challenge } = await authenticationOptions(settings);
    const assertion = await authenticator.get(options, { origin: ORIGIN });
    assertion.response.authenticatorData = assertion.response.authenticatorData.slice(0, 20);
    expect(
      await verifyAuthentication(settings, { response: assertion, expectedChallenge: challenge, passkey: stored }),
    ).toMatchObject({ ok: false, reason: 'malformed_response' });

    const creation = await registrationOptions(settings, owner(), []);
    const attestation = await new SoftwareAuthenticator().create(creation.options, { origin: ORIGIN });
    attestation.response.attestationObject = attestation.response.attestationObject.slice(0, 30);
    expect(
      await verifyRegistration(settings, { response: attestation, expectedChallenge: creation.challenge }),
    ).toMatchObject({ ok: false, reason: 'malformed_response' });
  });
});

describe('readClaims', () => {
  it('reads the challenge, credential and user a sign-in response claims, before any verification', async () => {
    const { authenticator, stored } = await registered();
    const { options, challenge } = await authenticationOptions(settings);
    const assertion = await authenticator.get(options, { origin: ORIGIN });
    expect(readClaims(assertion)).toEqual({ challenge, credentialId: stored.credentialId, userId: stored.userId });
  });

  it('reads the challenge of a registration response (no user handle there)', async () => {
    const { options, challenge } = await registrationOptions(settings, owner(), []);
    const response = await new SoftwareAuthenticator().create(options, { origin: ORIGIN });
    expect(readClaims(response)).toEqual({ challenge, credentialId: response.id, userId: null });
  });

  it.each([
    null,
    {},
    { id: 'AAEC' },
    { id: 'AAEC', response: { clientDataJSON: '!!!' } },
    { id: 'AAEC', response: { clientDataJSON: 'e30' } },
  ])('answers null for %j', (response) => {
    expect(readClaims(response)).toBeNull();
  });
});
