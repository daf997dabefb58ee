import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium';
import { type DevServer, startDevServer } from './dev-server';

/**
 * /api/auth/docs in real Chromium (Debian's `chromium` package) on the dev server: the reference
 * renders every operation of the document, under its own CSP, with no request leaving the service.
 */

let server: DevServer;
let browser: Browser;

beforeAll(async () => {
  server = await startDevServer();
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the API reference page', () => {
  it('renders every operation of the document, loading nothing from anywhere else', { timeout: 120_000 }, async () => {
    const openapi = await (await fetch(`${server.url}/api/auth/openapi.json`)).json();
    const operations = Object.entries(openapi.paths as Record<string, object>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );

    const page = await browser.newPage();
    const requested: string[] = [];
    const failures: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') failures.push(`console: ${message.text()}`);
    });
    // Set up by the DevTools protocol, outside the page's policy: records what the policy blocked.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event: SecurityPolicyViolationEvent) => {
        console.error(`CSP blocked ${event.blockedURI || 'inline'} (${event.violatedDirective})`);
      });
    });

    const response = await page.goto(`${server.url}/api/auth/docs`, { timeout: 60_000 });
    expect(response?.status()).toBe(200);
    await page.waitForSelector('.opblock', { timeout: 60_000 });

    const rendered = await page.$$eval('.opblock', (blocks) =>
      blocks.map((block) => {
        const method = block.querySelector('.opblock-summary-method')?.textContent ?? '';
        const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '';
        return `${method} ${path}`;
      }),
    );
    expect([...rendered].sort()).toEqual([...operations].sort());
    expect(await page.title()).toBe('Auth service · API reference');

    const origin = new URL(server.url).origin;
    const elsewhere = requested.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
    expect(elsewhere).toEqual([]);
    expect(requested).toEqual(
      expect.arrayContaining([
        `${origin}/api/auth/docs`,
        `${origin}/api/auth/docs/swagger-ui-bundle.js`,
        `${origin}/api/auth/docs/swagger-ui.css`,
        `${origin}/api/auth/docs/reference.js`,
        `${origin}/api/auth/openapi.json`,
      ]),
    );
    expect(failures).toEqual([]);
    await page.close();
  });

  it.each([
    ['swagger-ui-bundle.js', /^(text|application)\/javascript/, 'SwaggerUIBundle'],
    ['swagger-ui.css', /^text\/css/, '.swagger-ui'],
    ['reference.js', /^(text|application)\/javascript/, 'SwaggerUIBundle({'],
  ])('serves %s as a static asset of this service', async (file, type, content) => {
    const response = await fetch(`${server.url}/api/auth/docs/${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(type);
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(await response.text()).toContain(content);
  });
});
