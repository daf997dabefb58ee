import { type CBORType, encodeCBOR } from '@levischuck/tiny-cbor';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { base64url, fromBase64url } from '../../src/lib/crypto';

/**
 * A passkey provider in software: what a phone or a password manager does between the browser's
 * `navigator.credentials.create()` / `.get()` and the server, with real keys (WebCrypto), real CBOR
 * and real signatures, so the server code under test cannot tell it from a device. It answers in
 * the JSON form `@simplewebauthn/browser` posts (RegistrationResponseJSON /
 * AuthenticationResponseJSON), and can be told to misbehave the ways an attacker or a broken
 * client would.
 */

/** COSE algorithm identifiers (RFC 9053). */
const COSE_ALGORITHM = { ES256: -7, EdDSA: -8 } as const;
export type SoftwareKeyAlgorithm = keyof typeof COSE_ALGORITHM;

/** Authenticator data flags (WebAuthn §6.1). */
const FLAG = { userPresent: 0x01, userVerified: 0x04, backupEligible: 0x08, backedUp: 0x10, attestedData: 0x40 };

export interface AuthenticatorTraits {
  /** Default: all zeros, as with `none` attestation the browser may erase it anyway. */
  aaguid?: Uint8Array;
  /** A synced passkey (iCloud Keychain, Google Password Manager) by default: BE and BS set. */
  backupEligible?: boolean;
  backedUp?: boolean;
  transports?: string[];
  attachment?: 'platform' | 'cross-platform';
  /** Bytes of each new credential ID; default 32. WebAuthn caps it at 1023. */
  credentialIdLength?: number;
}

export interface CeremonyContext {
  /** The page's origin, which the browser writes into clientDataJSON. */
  origin: string;
  /** Signs for this RP ID instead of the one the options name (a client that lies about it). */
  rpId?: string;
  /** `false`: presence only, no PIN or biometric (UV flag off). Default `true`. */
  userVerified?: boolean;
}

export interface CreateContext extends CeremonyContext {
  /** Default: the first algorithm of `pubKeyCredParams` this authenticator supports. */
  algorithm?: SoftwareKeyAlgorithm;
}

export interface GetContext extends CeremonyContext {
  /** Which passkey to use when several match (a real browser would show a picker). */
  credentialId?: string;
  /** The counter to report instead of the next one: a lower value imitates a cloned authenticator. */
  signCount?: number;
  /** Signs with a fresh key the server has never seen. */
  signWithAnotherKey?: boolean;
}

export interface SoftwarePasskey {
  /** base64url, as the server sees it. */
  readonly id: string;
  readonly rpId: string;
  /** base64url of the user handle the server put in `user.id`. */
  readonly userHandle: string;
  readonly algorithm: SoftwareKeyAlgorithm;
  signCount: number;
  readonly keys: CryptoKeyPair;
}

export class SoftwareAuthenticator {
  readonly passkeys: SoftwarePasskey[] = [];
  private readonly traits: Required<AuthenticatorTraits>;

  constructor(traits: AuthenticatorTraits = {}) {
    this.traits = {
      aaguid: traits.aaguid ?? new Uint8Array(16),
      backupEligible: traits.backupEligible ?? true,
      backedUp: traits.backedUp ?? traits.backupEligible ?? true,
      transports: traits.transports ?? ['internal', 'hybrid'],
      attachment: traits.attachment ?? 'platform',
      credentialIdLength: traits.credentialIdLength ?? 32,
    };
  }

  /** `navigator.credentials.create({ publicKey: options })`, then `credential.toJSON()`. */
  async create(
    options: PublicKeyCredentialCreationOptionsJSON,
    context: CreateContext,
  ): Promise<RegistrationResponseJSON> {
    const rpId = options.rp.id ?? new URL(context.origin).hostname;
    const excluded = new Set((options.excludeCredentials ?? []).map((descriptor) => descriptor.id));
    if (this.passkeys.some((passkey) => passkey.rpId === rpId && excluded.has(passkey.id))) {
      throw new DOMException('The authenticator already holds an excluded credential', 'InvalidStateError');
    }
    const algorithm = context.algorithm ?? firstSupportedAlgorithm(options);
    if (!options.pubKeyCredParams.some((param) => param.alg === COSE_ALGORITHM[algorithm])) {
      throw new DOMException(`The options do not offer ${algorithm}`, 'NotSupportedError');
    }

    const keys = await generateKeys(algorithm);
    const credentialId = crypto.getRandomValues(new Uint8Array(this.traits.credentialIdLength));
    const passkey: SoftwarePasskey = {
      id: base64url(credentialId),
      rpId,
      userHandle: options.user.id,
      algorithm,
      signCount: 0,
      keys,
    };

    const cosePublicKey = await toCoseKey(algorithm, keys.publicKey);
    const attestedCredentialData = concat(this.traits.aaguid, uint16(credentialId.length), credentialId, cosePublicKey);
    const authenticatorData = concat(
      await sha256(new TextEncoder().encode(context.rpId ?? rpId)),
      new Uint8Array([this.flags(context) | FLAG.attestedData]),
      uint32(passkey.signCount),
      attestedCredentialData,
    );
    const attestationObject = encodeCBOR(
      new Map<string, CBORType>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authenticatorData],
      ]),
    );
    this.passkeys.push(passkey);

    const publicKey = new Uint8Array((await crypto.subtle.exportKey('spki', keys.publicKey)) as ArrayBuffer);
    return {
      id: passkey.id,
      rawId: passkey.id,
      type: 'public-key',
      response: {
        clientDataJSON: base64url(clientData('webauthn.create', options.challenge, context.origin)),
        attestationObject: base64url(attestationObject),
        authenticatorData: base64url(authenticatorData),
        transports: this.traits.transports,
        publicKeyAlgorithm: COSE_ALGORITHM[algorithm],
        publicKey: base64url(publicKey),
      },
      authenticatorAttachment: this.traits.attachment,
      clientExtensionResults: {},
    };
  }

  /** `navigator.credentials.get({ publicKey: options })`, then `credential.toJSON()`. */
  async get(options: PublicKeyCredentialRequestOptionsJSON, context: GetContext): Promise<AuthenticationResponseJSON> {
    const passkey = this.choosePasskey(options, context);
    passkey.signCount = context.signCount ?? passkey.signCount + 1;

    const authenticatorData = concat(
      await sha256(new TextEncoder().encode(context.rpId ?? passkey.rpId)),
      new Uint8Array([this.flags(context)]),
      uint32(passkey.signCount),
    );
    const clientDataJSON = clientData('webauthn.get', options.challenge, context.origin);
    const signedData = concat(authenticatorData, await sha256(clientDataJSON));
    const privateKey = context.signWithAnotherKey
      ? (await generateKeys(passkey.algorithm)).privateKey
      : passkey.keys.privateKey;

    return {
      id: passkey.id,
      rawId: passkey.id,
      type: 'public-key',
      response: {
        clientDataJSON: base64url(clientDataJSON),
        authenticatorData: base64url(authenticatorData),
        signature: base64url(await sign(passkey.algorithm, privateKey, signedData)),
        userHandle: passkey.userHandle,
      },
      authenticatorAttachment: this.traits.attachment,
      clientExtensionResults: {},
    };
  }

  private choosePasskey(options: PublicKeyCredentialRequestOptionsJSON, context: GetContext): SoftwarePasskey {
    const rpId = options.rpId ?? new URL(context.origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((descriptor) => descriptor.id));
    const candidates = this.passkeys.filter(
      (passkey) =>
        passkey.rpId === rpId &&
        (allowed.size === 0 || allowed.has(passkey.id)) &&
        (context.credentialId === undefined || passkey.id === context.credentialId),
    );
    if (candidates.length === 0) throw new DOMException('No passkey for this request', 'NotAllowedError');
    if (candidates.length > 1) throw new Error('Several passkeys match: pass `credentialId` to pick one');
    return candidates[0]!;
  }

  private flags(context: CeremonyContext): number {
    let flags = FLAG.userPresent;
    if (context.userVerified ?? true) flags |= FLAG.userVerified;
    if (this.traits.backupEligible) flags |= FLAG.backupEligible;
    if (this.traits.backupEligible && this.traits.backedUp) flags |= FLAG.backedUp;
    return flags;
  }
}

function firstSupportedAlgorithm(options: PublicKeyCredentialCreationOptionsJSON): SoftwareKeyAlgorithm {
  for (const { alg } of options.pubKeyCredParams) {
    if (alg === COSE_ALGORITHM.ES256) return 'ES256';
    if (alg === COSE_ALGORITHM.EdDSA) return 'EdDSA';
  }
  throw new DOMException('No supported algorithm in pubKeyCredParams', 'NotSupportedError');
}

/** Member order as Chromium writes it; the server must hash these exact bytes. */
function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Uint8Array {
  // The browser decodes the challenge to bytes and re-encodes it, unpadded.
  const encodedChallenge = base64url(fromBase64url(challenge));
  return new TextEncoder().encode(JSON.stringify({ type, challenge: encodedChallenge, origin, crossOrigin: false }));
}

async function generateKeys(algorithm: SoftwareKeyAlgorithm): Promise<CryptoKeyPair> {
  const params = algorithm === 'ES256' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'Ed25519' };
  return (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** COSE_Key (RFC 9052 §7, RFC 9053 §2): EC2 with x and y for P-256, OKP with x for Ed25519. */
async function toCoseKey(algorithm: SoftwareKeyAlgorithm, publicKey: CryptoKey): Promise<Uint8Array> {
  const raw = new Uint8Array((await crypto.subtle.exportKey('raw', publicKey)) as ArrayBuffer);
  const key =
    algorithm === 'ES256'
      ? // raw P-256 is 0x04 || x || y (uncompressed point)
        new Map<number, number | Uint8Array>([
          [1, 2],
          [3, COSE_ALGORITHM.ES256],
          [-1, 1],
          [-2, raw.slice(1, 33)],
          [-3, raw.slice(33, 65)],
        ])
      : new Map<number, number | Uint8Array>([
          [1, 1],
          [3, COSE_ALGORITHM.EdDSA],
          [-1, 6],
          [-2, raw],
        ]);
  return encodeCBOR(key);
}

/** WebAuthn wants ES256 signatures DER-encoded; WebCrypto gives r || s. Ed25519 stays raw. */
async function sign(algorithm: SoftwareKeyAlgorithm, privateKey: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  if (algorithm === 'EdDSA') {
    return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, data));
  }
  const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, data));
  return derSignature(raw.slice(0, 32), raw.slice(32));
}

function derSignature(r: Uint8Array, s: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.slice(start);
    // A set high bit would read as negative: DER prepends a zero byte.
    const body = (trimmed[0] ?? 0) & 0x80 ? concat(new Uint8Array([0]), trimmed) : trimmed;
    return concat(new Uint8Array([0x02, body.length]), body);
  };
  const sequence = concat(integer(r), integer(s));
  return concat(new Uint8Array([0x30, sequence.length]), sequence);
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}

function uint16(value: number): Uint8Array {
  return new Uint8Array([(value >> 8) & 0xff, value & 0xff]);
}

function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
