import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The reference page's Swagger UI files are static assets (public/api/auth/docs/), copied from the
 * installed swagger-ui-dist so that the lock file still pins what is served. After an upgrade:
 * `cp node_modules/swagger-ui-dist/{swagger-ui-bundle.js,swagger-ui.css,LICENSE,NOTICE} public/api/auth/docs/`.
 */
const root = path.resolve(import.meta.dirname, '../..');
const served = path.join(root, 'public/api/auth/docs');
const installed = path.join(root, 'node_modules/swagger-ui-dist');

describe('the reference page files', () => {
  it.each(['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE'])(
    '%s is the installed swagger-ui-dist file',
    (file) => {
      const copy = readFileSync(path.join(served, file));
      expect(copy.equals(readFileSync(path.join(installed, file))), `${file} differs from swagger-ui-dist`).toBe(true);
    },
  );

  it('reference.js starts Swagger UI on the document the page names, without the validator badge', () => {
    const script = readFileSync(path.join(served, 'reference.js'), 'utf8');
    expect(script).toContain('url: target.dataset.document');
    expect(script).toContain('validatorUrl: null');
  });
});
