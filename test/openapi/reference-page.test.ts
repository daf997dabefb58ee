import { describe, expect, it } from 'vitest';
import { get, problem } from '../helpers/api';

/** The reference page and its files; the browser test (e2e) checks that it renders. */
describe('GET docs/', () => {
  it('serves a page whose scripts and styles all come from this service', async () => {
    const response = await get('docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    const sources = [...html.matchAll(/<(script|link)\b[^>]*>/g)].map(([tag]) => tag);
    expect(sources).toHaveLength(4);
    for (const tag of sources.filter((tag) => !tag.includes('rel="icon"'))) {
      expect(tag).toMatch(/ (src|href)="\/api\/auth\/docs\/[\w.-]+"/);
    }
    // Every script is a file: nothing inline for the policy to allow.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).toContain('data-document="/api/auth/openapi.json"');
  });

  it('works with a trailing slash too', async () => {
    const html = await (await get('docs/')).text();
    expect(html).toContain('src="/api/auth/docs/reference.js"');
  });

  it('has a policy of its own: this origin only, no inline script, no eval, no framing', async () => {
    const policy = (await get('docs')).headers.get('Content-Security-Policy') ?? '';
    const directives = Object.fromEntries(
      policy
        .split(';')
        .map((part) => part.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(policy).not.toMatch(/unsafe|https?:/);
  });

  it('leaves the rest of the API at default-src none', async () => {
    for (const path of ['health', 'openapi.json', 'docsx', 'docs-other']) {
      const policy = (await get(path)).headers.get('Content-Security-Policy');
      expect(policy, path).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });
});

describe('files under docs/', () => {
  // Swagger UI's files and reference.js are static assets (public/api/auth/docs/), answered before
  // the worker runs (test/e2e/reference-page.test.ts loads them); nothing else of the package exists.
  it.each(['index.html', 'swagger-initializer.js', 'oauth2-redirect.html', 'package.json', '..%2Fpackage.json'])(
    'are no route of the worker (%s)',
    async (file) => {
      await problem(await get(`docs/${file}`), 404, 'not_found');
    },
  );
});
