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

/** Light modules around the code, as the QR standard asks, so a phone finds its edges. */
const QUIET_ZONE = 4;

/**
 * The `otpauth://` URI as a QR code: an SVG data URI an SPA can put straight into an <img>.
 * qrcode-svg computes the modules; its own SVG writes five path commands with decimal
 * coordinates per dark module (about 90 KB as a data URI), so the drawing is ours: one unit per
 * module, each run of dark modules in a row one stroke 1 unit thick (about 6 KB).
 */
export function qrCodeDataUri(uri: string): string {
  const model = new QRCode({ content: uri, ecl: 'M', padding: 0 }).qrcode;
  const count = model.getModuleCount();
  const size = count + 2 * QUIET_ZONE;
  let strokes = '';
  for (let row = 0; row < count; row++) {
    let penX: number | null = null;
    for (let col = 0; col < count; col++) {
      if (!model.isDark(row, col)) continue;
      let end = col + 1;
      while (end < count && model.isDark(row, end)) end++;
      // The stroke is centred on its line: half a unit down covers exactly the module's row.
      strokes +=
        penX === null ? `M${col + QUIET_ZONE} ${row + QUIET_ZONE}.5h${end - col}` : `m${col - penX} 0h${end - col}`;
      penX = end;
      col = end;
    }
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">` +
    `<path fill="#fff" d="M0 0h${size}v${size}H0z"/><path stroke="#000" d="${strokes}"/></svg>`;
  return `data:image/svg+xml;base64,${btoa(svg)}`;
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
