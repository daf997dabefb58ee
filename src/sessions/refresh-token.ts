import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64url, fromBase64url, randomBytes, timingSafeEqual } from '../lib/crypto';

/*
 * Refresh tokens are opaque to clients but carry their session and generation:
 *
 *   base64url( version (1) | session id (16) | generation (6, big-endian) | secret (32) | tag (16) )
 *
 * - A session's first secret is random; every later one is derived from its parent with a keyed
 *   hash, HMAC(key, "child" | version | session | generation | parent secret). Only the server can
 *   derive a child, so whoever steals a token cannot compute the tokens that follow it, and every
 *   parallel presentation of one token derives the same child (tabs that share storage converge).
 * - The tag, HMAC(key, "tag" | the 55 bytes before it) cut to 128 bits, proves the server issued
 *   the token: anything else is refused before it touches a session (no lookup, no rate-limit count,
 *   never a revocation).
 * - D1 keeps per session only the live generation and the SHA-256 of the live secret. An older
 *   genuine token is recognised by hashing it forward to the live one: O(1) state, whatever the
 *   number of rotations.
 */

const VERSION = 1;
const SESSION_BYTES = 16;
const GENERATION_BYTES = 6;
const SECRET_BYTES = 32;
const TAG_BYTES = 16;
const SECRET_OFFSET = 1 + SESSION_BYTES + GENERATION_BYTES;
const PAYLOAD_BYTES = SECRET_OFFSET + SECRET_BYTES;
const TOKEN_BYTES = PAYLOAD_BYTES + TAG_BYTES;
/** base64url length of TOKEN_BYTES, without padding. */
const TOKEN_LENGTH = Math.ceil((TOKEN_BYTES * 4) / 3);
const encoder = new TextEncoder();
const CHILD_LABEL = encoder.encode('refresh-token-child');
const TAG_LABEL = encoder.encode('refresh-token-tag');
const LEGACY_LABEL = encoder.encode('refresh-token-legacy');
/** The generation is 48 bits on the wire; far beyond any session's rotations. */
const MAX_GENERATION = 2 ** 48 - 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Tokens issued before issue 15: 256 random bits, base64url, nothing inside. */
const LEGACY_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type PresentedRefreshToken =
  /** Issued by this server: `key` is the one that authenticated it (current or previous). */
  | { kind: 'chained'; sessionId: string; generation: number; secret: Uint8Array; key: Uint8Array }
  /** A random token of a session opened before issue 15: refreshes once into a chained one. */
  | { kind: 'legacy'; token: string }
  /** The shape of a token, but no key of ours made its tag: forged or corrupted. */
  | { kind: 'unauthentic' }
  | { kind: 'malformed' };

export function newRefreshSecret(): Uint8Array {
  return randomBytes(SECRET_BYTES);
}

/** What D1 keeps of a secret. */
export function secretHash(secret: Uint8Array): string {
  return base64url(sha256(secret));
}

function sessionIdBytes(sessionId: string): Uint8Array {
  if (!UUID.test(sessionId)) throw new Error('session ids are lower-case UUIDs');
  return Uint8Array.from(sessionId.replace(/-/g, '').match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

function sessionIdOf(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function header(sessionId: string, generation: number): Uint8Array {
  if (!Number.isSafeInteger(generation) || generation < 0 || generation > MAX_GENERATION) {
    throw new Error('refresh generation out of range');
  }
  const bytes = new Uint8Array(SECRET_OFFSET);
  bytes[0] = VERSION;
  bytes.set(sessionIdBytes(sessionId), 1);
  const view = new DataView(bytes.buffer);
  view.setUint16(1 + SESSION_BYTES, Math.floor(generation / 2 ** 32));
  view.setUint32(1 + SESSION_BYTES + 2, generation % 2 ** 32);
  return bytes;
}

function tagOf(key: Uint8Array, payload: Uint8Array): Uint8Array {
  return hmac.create(sha256, key).update(TAG_LABEL).update(payload).digest().subarray(0, TAG_BYTES);
}

/** The token of `secret` at `generation` of the session, authenticated with `key`. */
export function encodeRefreshToken(key: Uint8Array, sessionId: string, generation: number, secret: Uint8Array): string {
  const token = new Uint8Array(TOKEN_BYTES);
  token.set(header(sessionId, generation));
  token.set(secret, SECRET_OFFSET);
  token.set(tagOf(key, token.subarray(0, PAYLOAD_BYTES)), PAYLOAD_BYTES);
  return base64url(token);
}

/** Tells what a presented string is; the tag is checked against every key (current first). */
export function readRefreshToken(keys: readonly Uint8Array[], text: string): PresentedRefreshToken {
  if (LEGACY_TOKEN.test(text)) return { kind: 'legacy', token: text };
  if (text.length !== TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) return { kind: 'malformed' };
  const bytes = fromBase64url(text);
  if (bytes.length !== TOKEN_BYTES || bytes[0] !== VERSION) return { kind: 'malformed' };
  const payload = bytes.subarray(0, PAYLOAD_BYTES);
  const tag = bytes.subarray(PAYLOAD_BYTES);
  // Every key is tried, so the time taken does not say which one matched.
  let key: Uint8Array | undefined;
  for (const candidate of keys) if (timingSafeEqual(tagOf(candidate, payload), tag) && !key) key = candidate;
  if (!key) return { kind: 'unauthentic' };
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return {
    kind: 'chained',
    sessionId: sessionIdOf(bytes.subarray(1, 1 + SESSION_BYTES)),
    generation: view.getUint16(1 + SESSION_BYTES) * 2 ** 32 + view.getUint32(1 + SESSION_BYTES + 2),
    secret: bytes.slice(SECRET_OFFSET, PAYLOAD_BYTES),
    key,
  };
}

/** Derives the secrets after `secret`, one generation at a time, with one keyed HMAC state. */
function childDeriver(key: Uint8Array, sessionId: string) {
  const keyed = hmac.create(sha256, key).update(CHILD_LABEL);
  return (childGeneration: number, parentSecret: Uint8Array): Uint8Array =>
    keyed.clone().update(header(sessionId, childGeneration)).update(parentSecret).digest();
}

/** The secret of generation `childGeneration`, from its parent's. */
export function childSecret(
  key: Uint8Array,
  sessionId: string,
  childGeneration: number,
  parentSecret: Uint8Array,
): Uint8Array {
  return childDeriver(key, sessionId)(childGeneration, parentSecret);
}

/**
 * Whether a secret of an earlier generation leads to the live one: derived forward, generation by
 * generation, it must reach the stored hash. Only a genuine ancestor does; a token that merely
 * names the session (even with a valid tag, were the key stolen) never does.
 */
export function hashesForward(
  key: Uint8Array,
  sessionId: string,
  from: { generation: number; secret: Uint8Array },
  live: { generation: number; hash: string },
): boolean {
  if (from.generation >= live.generation) return false;
  const derive = childDeriver(key, sessionId);
  let secret = from.secret;
  for (let generation = from.generation + 1; generation <= live.generation; generation++) {
    secret = derive(generation, secret);
  }
  return timingSafeEqual(encoder.encode(secretHash(secret)), encoder.encode(live.hash));
}

/**
 * The first chained secret of a session opened before issue 15, derived from its random token, so
 * that parallel presentations of that token (several tabs) converge on the same child too.
 */
export function legacyChildSecret(key: Uint8Array, legacyToken: string): Uint8Array {
  return hmac.create(sha256, key).update(LEGACY_LABEL).update(encoder.encode(legacyToken)).digest();
}
