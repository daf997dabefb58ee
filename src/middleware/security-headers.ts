import { secureHeaders } from 'hono/secure-headers';

const STRICT_TRANSPORT_SECURITY = 'max-age=63072000; includeSubDomains';

/**
 * Every answer of the JSON API: nothing may render or frame it. Browsers of other origins may read
 * it (CORS decides), hence a cross-origin resource policy.
 */
export const apiHeaders = secureHeaders({
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  strictTransportSecurity: STRICT_TRANSPORT_SECURITY,
  crossOriginResourcePolicy: 'cross-origin',
});

/**
 * The headers of a page the worker serves itself (the account console, the API reference): the
 * API's `default-src 'none'` opened just enough for a page made of this origin's scripts and
 * styles that calls this origin's API. `data:` images: the MFA QR code the API sends as an SVG data
 * URI, and Swagger UI's icons (an image cannot run script). No inline script or style, no framing.
 * Registered before the API's headers, so that they wrap them and win.
 */
export function sameOriginPageHeaders(options: { formsPostTo: 'self' | 'none' }) {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      formAction: [`'${options.formsPostTo}'`],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
    strictTransportSecurity: STRICT_TRANSPORT_SECURITY,
    crossOriginResourcePolicy: 'same-origin',
  });
}
