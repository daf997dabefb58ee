import { z } from '@hono/zod-openapi';
import { ReauthProof } from '../credentials/schemas';

/**
 * What browsers send and receive in a WebAuthn ceremony, in the JSON form of WebAuthn Level 3
 * (`PublicKeyCredential.toJSON()`, which @simplewebauthn/browser also produces). The credential
 * objects are read leniently (members a newer browser adds are dropped, never passed on); the
 * bodies around them are strict, as everywhere.
 */

const base64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, 'Must be base64url');
/** WebAuthn caps credential IDs at 1023 bytes: 1364 base64url characters. */
const credentialId = base64url(1364).min(1);
const attachment = z.enum(['platform', 'cross-platform']).optional();
// Extension outputs are not used; dropping them keeps a client's arbitrary keys out of the library.
const extensionResults = z.object({}).default({});

export const RegistrationCredential = z
  .object({
    id: credentialId,
    rawId: credentialId,
    type: z.literal('public-key'),
    response: z.object({
      clientDataJSON: base64url(4096).min(1),
      attestationObject: base64url(12_000).min(1),
      authenticatorData: base64url(12_000).optional(),
      transports: z.array(z.string().max(32)).max(16).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: base64url(4096).optional(),
    }),
    authenticatorAttachment: attachment,
    clientExtensionResults: extensionResults,
  })
  .openapi('RegistrationCredential', { description: "`navigator.credentials.create()`'s credential, `toJSON()`" });

export const AuthenticationCredential = z
  .object({
    id: credentialId,
    rawId: credentialId,
    type: z.literal('public-key'),
    response: z.object({
      clientDataJSON: base64url(4096).min(1),
      authenticatorData: base64url(4096).min(1),
      signature: base64url(1024).min(1),
      userHandle: base64url(256).optional(),
    }),
    authenticatorAttachment: attachment,
    clientExtensionResults: extensionResults,
  })
  .openapi('AuthenticationCredential', { description: "`navigator.credentials.get()`'s credential, `toJSON()`" });

export const passkeyName = z
  .string()
  .trim()
  .min(1, 'The name is required')
  .max(64, 'At most 64 characters')
  .refine((name) => !/\p{Cc}/u.test(name), 'No control characters')
  .openapi({ example: 'MacBook Touch ID' });

export const RegisterRequest = ReauthProof.extend({
  response: RegistrationCredential,
  name: passkeyName.optional().openapi({ description: 'Default: the browser and system, e.g. "Chrome on macOS"' }),
}).openapi('PasskeyRegisterRequest');

export const RenameRequest = z.strictObject({ name: passkeyName }).openapi('PasskeyRenameRequest');

export const PasskeySignInOptionsRequest = z.strictObject({}).openapi('PasskeySignInOptionsRequest');

export const PasskeySignInRequest = z
  .strictObject({
    response: AuthenticationCredential,
    remember_me: z.boolean().default(false).openapi({ description: '30-day session instead of 24 h' }),
  })
  .openapi('PasskeySignInRequest');

export const PasskeyIdParam = z.object({
  id: z.uuid({ message: 'Must be a passkey id (UUID)' }).openapi({ param: { name: 'id', in: 'path' } }),
});

export const PasskeyView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime().nullable(),
    backed_up: z.boolean().openapi({ description: 'Synced to a cloud account (iCloud Keychain, Google, …)' }),
    device_type: z.enum(['singleDevice', 'multiDevice']).openapi({
      description: '`multiDevice`: may be synced to other devices; `singleDevice`: bound to one authenticator',
    }),
  })
  .openapi('Passkey', {
    example: {
      id: '3d0b2c1a-9e8f-4a7b-8c6d-5e4f3a2b1c0d',
      name: 'Chrome on macOS',
      created_at: '2026-11-30T08:05:00.000Z',
      last_used_at: '2026-12-01T07:55:00.000Z',
      backed_up: true,
      device_type: 'multiDevice',
    },
  });

export const PasskeyList = z.array(PasskeyView).openapi('PasskeyList');
export const PasskeyBody = z.object({ passkey: PasskeyView }).openapi('PasskeyBody');

const descriptor = z.object({
  id: z.string(),
  type: z.literal('public-key'),
  transports: z.array(z.string()).optional(),
});

/** `PublicKeyCredentialCreationOptionsJSON`: hand it to `startRegistration({ optionsJSON })`. */
export const CreationOptions = z
  .object({
    options: z.object({
      rp: z.object({ id: z.string().optional(), name: z.string() }),
      user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
      challenge: z.string(),
      pubKeyCredParams: z.array(z.object({ type: z.literal('public-key'), alg: z.number().int() })),
      timeout: z.number().int().optional(),
      excludeCredentials: z.array(descriptor).optional(),
      authenticatorSelection: z
        .object({
          authenticatorAttachment: z.string().optional(),
          residentKey: z.string().optional(),
          requireResidentKey: z.boolean().optional(),
          userVerification: z.string().optional(),
        })
        .optional(),
      hints: z.array(z.string()).optional(),
      attestation: z.string().optional(),
      extensions: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('PasskeyCreationOptions');

/** `PublicKeyCredentialRequestOptionsJSON`: hand it to `startAuthentication({ optionsJSON })`. */
export const RequestOptions = z
  .object({
    options: z.object({
      challenge: z.string(),
      timeout: z.number().int().optional(),
      rpId: z.string().optional(),
      allowCredentials: z.array(descriptor).optional(),
      userVerification: z.string().optional(),
      hints: z.array(z.string()).optional(),
      extensions: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('PasskeyRequestOptions');
