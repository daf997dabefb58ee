import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { openApiDocument } from '../../src/openapi/document';
import { get, json } from '../helpers/api';
import { BROWSER_ROUTES } from '../helpers/contract';

/** `{METHOD} {path}` of every route the app serves, path parameters written as OpenAPI does. */
function servedRoutes(): string[] {
  const app = createApp();
  // `app.use()` registers middleware for every method: those are not endpoints.
  const endpoints = app.routes.filter((route) => route.method !== 'ALL');
  const named = endpoints.map((route) => {
    const path = route.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}').replace(/(.)\/$/, '$1');
    return `${route.method} ${path}`;
  });
  return [...new Set(named)].sort();
}

function documentedOperations(): string[] {
  const document = openApiDocument(createApp(), 'https://auth.test', 'test');
  return Object.entries(document.paths ?? {})
    .flatMap(([path, item]) => Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

describe('the OpenAPI document', () => {
  it('describes every route the app serves, and only those, but the browser routes it names', () => {
    const served = servedRoutes();
    expect(served.length).toBeGreaterThan(30);
    const browser: string[] = [...BROWSER_ROUTES];
    // Each exclusion is a route the app serves (no stale entry), and none is under the JSON API.
    expect(served).toEqual(expect.arrayContaining(browser));
    for (const route of browser) expect(route, route).not.toMatch(/^\w+ \/(api|\.well-known)\//);
    expect(documentedOperations()).toEqual(served.filter((route) => !browser.includes(route)));
  });

  it('is served as OpenAPI 3.1 with this deployment as its server', async () => {
    const response = await get('openapi.json');
    expect(response.status).toBe(200);
    const document = await json(response);
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: 'https://auth.test', description: 'This deployment' }]);
    expect(Object.keys(document.paths)).toContain('/api/auth/login');
  });

  it('names an operation id, a tag and a summary for every operation, who may call it, and its body answers', () => {
    const document = openApiDocument(createApp(), 'https://auth.test', 'test');
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(item ?? {}) as [string, Record<string, any>][]) {
        const where = `${method} ${path}`;
        expect(operation.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
        expect(ids.has(operation.operationId), `${where}: duplicate operationId`).toBe(false);
        ids.add(operation.operationId);
        expect(operation.tags, where).toHaveLength(1);
        expect(operation.summary, where).toBeTruthy();
        expect(Array.isArray(operation.security), where).toBe(true);
        // The JSON reader in front of every route reads any body but a GET's: too large, not JSON.
        if (method !== 'get')
          expect(Object.keys(operation.responses), where).toEqual(expect.arrayContaining(['413', '415']));
      }
    }
  });
});
