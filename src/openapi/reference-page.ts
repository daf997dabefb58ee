import { sameOriginPageHeaders } from '../middleware/security-headers';

/**
 * The API reference at `/api/auth/docs`: Swagger UI (swagger-ui-dist, Apache-2.0) rendering
 * `/api/auth/openapi.json`. Every byte comes from this service: the page from the worker, its
 * scripts and stylesheet from Workers Static Assets (`public/api/auth/docs/`: Swagger UI's two
 * files, copied from the installed package, and `reference.js`, which starts it). No inline
 * script, no eval, no CDN: the page's CSP allows scripts, styles and requests from this origin only.
 */
export const REFERENCE_PATH = '/docs';

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
<script src="${assets}/reference.js"></script>
</body>
</html>
`;

/** The reference page's headers: it has no form of its own. */
export const referenceHeaders = sameOriginPageHeaders({ formsPostTo: 'none' });
