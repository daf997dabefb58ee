import { secureHeaders } from 'hono/secure-headers';

/**
 * The API reference at `/api/auth/docs`: Swagger UI (swagger-ui-dist, Apache-2.0) rendering
 * `/api/auth/openapi.json`. Every byte comes from this worker: the page and its start-up script
 * from here, Swagger UI's files through the Workers Static Assets binding (wrangler.toml `[assets]`
 * points at the installed package, so the lock file pins the version). No inline script, no eval,
 * no CDN: the page's CSP allows scripts, styles and requests from this origin only.
 */
export const REFERENCE_PATH = '/docs';

/** Swagger UI's files the page loads, read from the assets binding, with their media types. */
export const VENDOR_FILES = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
} as const;
export const START_SCRIPT = 'reference.js';

/** The page; `assets` is where its files are served, `document` the OpenAPI document's path. */
export const referencePage = ({ assets, document }: { assets: string; document: string }) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Auth service · API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets}/swagger-ui.css">
</head>
<body>
<main id="reference" data-document="${document}"></main>
<script src="${assets}/swagger-ui-bundle.js"></script>
<script src="${assets}/${START_SCRIPT}"></script>
</body>
</html>
`;

/** Starts Swagger UI on the document named by the page; no validator badge (it would call swagger.io). */
export const startScript = `'use strict';
(function () {
  var target = document.getElementById('reference');
  window.ui = SwaggerUIBundle({
    url: target.dataset.document,
    domNode: target,
    deepLinking: true,
    validatorUrl: null,
    displayOperationId: true,
    defaultModelsExpandDepth: 0,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'BaseLayout',
  });
})();
`;

/**
 * The reference page's headers: the API's `default-src 'none'` opened just enough for a page made
 * of this origin's scripts and styles that fetches this origin's document. Swagger UI draws its
 * icons as `data:` SVGs in its stylesheet, hence `img-src data:`.
 */
export const referenceHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
  strictTransportSecurity: 'max-age=63072000; includeSubDomains',
  crossOriginResourcePolicy: 'same-origin',
});
