import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The console's browser code is served as it is written (no bundler to catch a wrong path): every
 * page the server renders has its module, and every import between modules points at a file.
 */
const root = path.resolve(import.meta.dirname, '../..');
const assets = path.join(root, 'public', 'account');

function modules(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? modules(path.join(directory, entry.name)) : [path.join(directory, entry.name)],
  );
}

describe('console assets', () => {
  it('every page id has its module in public/account/pages/', () => {
    const layout = readFileSync(path.join(root, 'src', 'console', 'layout.tsx'), 'utf8');
    const union = /export type PageId =([^;]+);/.exec(layout)?.[1] ?? '';
    const ids = [...union.matchAll(/'([a-z-]+)'/g)].map(([, id]) => id);
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) expect(existsSync(path.join(assets, 'pages', `${id}.js`)), id).toBe(true);
  });

  it('every module the layout preloads exists', () => {
    const layout = readFileSync(path.join(root, 'src', 'console', 'layout.tsx'), 'utf8');
    const shared = /const SHARED_MODULES = \[([^\]]+)\]/.exec(layout)?.[1] ?? '';
    const files = [...shared.matchAll(/'([\w./-]+)'/g)].map(([, file]) => file!);
    expect(files).toContain('ui.js');
    for (const file of files) expect(existsSync(path.join(assets, file)), file).toBe(true);
  });

  it('every import between the modules resolves to a file', () => {
    const files = modules(assets).filter((file) => file.endsWith('.js'));
    let imports = 0;
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      for (const [, target] of source.matchAll(/(?:import|from)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        imports += 1;
        expect(existsSync(path.resolve(path.dirname(file), target!)), `${path.relative(root, file)} → ${target}`).toBe(
          true,
        );
      }
    }
    expect(imports).toBeGreaterThan(20);
  });
});
