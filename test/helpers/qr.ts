import jsQR from 'jsqr';

/** Pixels per SVG unit: jsQR, like a phone camera, needs modules several pixels wide. */
const SCALE = 4;

function svgOf(dataUri: string): string {
  const prefix = 'data:image/svg+xml;base64,';
  if (!dataUri.startsWith(prefix)) throw new Error('not an SVG data URI');
  return new TextDecoder().decode(Uint8Array.from(atob(dataUri.slice(prefix.length)), (c) => c.charCodeAt(0)));
}

/**
 * Reads a QR code the way a phone would: rasterises the SVG into pixels and decodes them with jsQR.
 * Only the drawing qrCodeDataUri emits is handled: a white background, then one path stroked
 * 1 unit thick made of moves (M x y, m dx dy) and horizontal lines (h dx). Anything else throws,
 * so a change of drawing cannot pass unnoticed.
 */
export function decodeQrDataUri(dataUri: string): string | null {
  const svg = svgOf(dataUri);
  const [, viewWidth = '0', viewHeight = '0'] = /viewBox="0 0 (\d+) (\d+)"/.exec(svg) ?? [];
  const w = Number(viewWidth) * SCALE;
  const h = Number(viewHeight) * SCALE;
  const pixels = new Uint8ClampedArray(w * h * 4).fill(255);
  const strokes = /<path stroke="#000" d="([^"]*)"\/>/.exec(svg)?.[1];
  if (strokes === undefined) throw new Error('no stroked path in the QR code');
  const command = /([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?/g;
  if (strokes.replace(command, '') !== '') throw new Error(`path commands this reader does not know: ${strokes}`);
  let x = 0;
  let y = 0;
  for (const [, name, a = '', b = ''] of strokes.matchAll(command)) {
    if (name === 'M') [x, y] = [Number(a), Number(b)];
    else if (name === 'm') [x, y] = [x + Number(a), y + Number(b)];
    else {
      const end = x + Number(a);
      // A horizontal stroke 1 unit thick centred on y covers the unit from y - 0.5 to y + 0.5.
      for (let py = Math.round((y - 0.5) * SCALE); py < Math.round((y + 0.5) * SCALE); py++) {
        for (let px = Math.round(Math.min(x, end) * SCALE); px < Math.round(Math.max(x, end) * SCALE); px++) {
          const offset = (py * w + px) * 4;
          pixels[offset] = pixels[offset + 1] = pixels[offset + 2] = 0;
        }
      }
      x = end;
    }
  }
  return jsQR(pixels, w, h)?.data ?? null;
}
