import jsQR from 'jsqr';

/**
 * Reads a QR code the way a phone would: rasterises the SVG's rectangles into pixels and decodes
 * them with jsQR. Only the drawing commands qrcode-svg emits (M x,y V y2 H x2 ... Z) are handled.
 */
export function decodeQrDataUri(dataUri: string): string | null {
  const prefix = 'data:image/svg+xml;base64,';
  if (!dataUri.startsWith(prefix)) throw new Error('not an SVG data URI');
  const svg = new TextDecoder().decode(Uint8Array.from(atob(dataUri.slice(prefix.length)), (c) => c.charCodeAt(0)));
  const [, width = '0', height = '0'] = /viewBox="0 0 (\d+) (\d+)"/.exec(svg) ?? [];
  const w = Number(width);
  const h = Number(height);
  const pixels = new Uint8ClampedArray(w * h * 4).fill(255);
  const path = /<path[^>]* d="([^"]+)"/.exec(svg)?.[1] ?? '';
  for (const [, x1, y1, y2, x2] of path.matchAll(/M([\d.]+),([\d.]+) V([\d.]+) H([\d.]+)/g)) {
    for (let y = Math.round(Number(y1)); y < Math.round(Number(y2)); y++) {
      for (let x = Math.round(Number(x1)); x < Math.round(Number(x2)); x++) {
        const offset = (y * w + x) * 4;
        pixels[offset] = pixels[offset + 1] = pixels[offset + 2] = 0;
      }
    }
  }
  return jsQR(pixels, w, h)?.data ?? null;
}
