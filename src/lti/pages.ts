/**
 * The few pages the /lti/ routes show inside the LMS frame: the end of a dynamic registration and
 * the refusals. No inline script or style: the CSP allows only files the worker serves itself.
 */

export const ASSET_PATHS = { closeScript: '/lti/assets/close.js', style: '/lti/assets/lti.css' } as const;

/**
 * LTI Dynamic Registration 1.0 §3.6: the tool tells the platform's window to close the
 * registration frame (or popup). The message carries nothing secret, so any origin may read it.
 */
export const CLOSE_SCRIPT = `(function () {
  var platform = window.opener || window.parent;
  if (platform && platform !== window) platform.postMessage({ subject: 'org.imsglobal.lti.close' }, '*');
})();
`;

export const PAGE_STYLE = `body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 36rem; padding: 0 1rem; color: #1f2933; line-height: 1.5; }
h1 { font-size: 1.35rem; }
.reference { color: #616e7c; font-size: 0.85rem; }
`;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string,
  );
}

export interface PageContent {
  title: string;
  message: string;
  /** The request id, for the user to quote to support. */
  reference?: string;
  /** The registration page: loads the script that closes the LMS's registration window. */
  closesRegistration?: boolean;
}

export function renderPage(content: PageContent): string {
  const reference = content.reference
    ? `<p class="reference">Reference: <code>${escapeHtml(content.reference)}</code></p>`
    : '';
  const script = content.closesRegistration ? `<script src="${ASSET_PATHS.closeScript}"></script>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(content.title)}</title>
<link rel="stylesheet" href="${ASSET_PATHS.style}">
</head>
<body>
<main>
<h1>${escapeHtml(content.title)}</h1>
<p>${escapeHtml(content.message)}</p>
${reference}
</main>
${script}
</body>
</html>
`;
}

/**
 * The CSP of every /lti/ answer: scripts and styles from this worker only, no inline code, and
 * framing by the registered platforms only (`'none'` while none is registered).
 */
export function pagePolicy(frameOrigins: readonly string[]): string {
  const ancestors = frameOrigins.length > 0 ? frameOrigins.join(' ') : "'none'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}
