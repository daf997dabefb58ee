import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode-svg';

/** RFC 6238 as every authenticator app expects it: SHA-1, 6 digits, 30-second steps. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Accept the previous and next step too, for clocks a little off and codes typed late. */
const WINDOW = 1;

function totpFor(secretBase32: string, issuer = 'auth-service', label = 'account'): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new 160-bit secret from the CSPRNG, base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function otpauthUri(secretBase32: string, issuer: string, account: string): string {
  return totpFor(secretBase32, issuer, account).toString();
}

/** The `otpauth://` URI as a QR code: an SVG data URI an SPA can put straight into an <img>. */
export function qrCodeDataUri(uri: string): string {
  const svg = new QRCode({
    content: uri,
    ecl: 'M',
    padding: 4,
    width: 256,
    height: 256,
    join: true,
    container: 'svg-viewbox',
  }).svg();
  const bytes = new TextEncoder().encode(svg);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

/**
 * The time step a code matches within ±1 step of `now`, or null. The caller still has to record
 * the step atomically to refuse replays.
 */
export function matchingStep(secretBase32: string, code: string, now: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(secretBase32).validate({ token: code, timestamp: now, window: WINDOW });
  if (delta === null) return null;
  return Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}
