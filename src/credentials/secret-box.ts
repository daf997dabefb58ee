import { base64url, fromBase64url, importBase64Key, randomBytes } from '../lib/crypto';

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyFrom(base64Key: string): Promise<CryptoKey> {
  let key = keys.get(base64Key);
  if (!key) {
    key = importBase64Key(base64Key, 'AES-GCM', ['encrypt', 'decrypt']);
    keys.set(base64Key, key);
  }
  return key;
}

/**
 * Seals a TOTP secret with AES-GCM. TOTP secrets cannot be hashed (the server must recompute
 * codes), so they are encrypted; the owner's id is bound as associated data, so a sealed secret
 * copied onto another account does not open.
 */
export async function seal(base64Key: string, plaintext: string, ownerId: string): Promise<string> {
  const iv = randomBytes(12);
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(ownerId) },
    await keyFrom(base64Key),
    encoder.encode(plaintext),
  );
  return `v1.${base64url(iv)}.${base64url(new Uint8Array(ciphertext))}`;
}

export async function open(base64Key: string, sealed: string, ownerId: string): Promise<string> {
  const [version, iv, ciphertext] = sealed.split('.');
  if (version !== 'v1' || !iv || !ciphertext) throw new Error('unknown sealed secret format');
  const plaintext = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64url(iv), additionalData: encoder.encode(ownerId) },
    await keyFrom(base64Key),
    fromBase64url(ciphertext),
  );
  return new TextDecoder().decode(plaintext);
}
