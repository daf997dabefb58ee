// Lists import cycles between the folders of src/ (runtime imports; `import type` does not count).
// A feature folder that imports another must not be imported back, directly or through others.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const src = path.resolve(import.meta.dirname, '..', 'src');
const folderOf = (file) => path.relative(src, file).split(path.sep)[0];

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const edges = new Map();
for (const file of filesUnder(src)) {
  const from = folderOf(file);
  // Files at the root (app.ts composes everything; config, errors, scope are leaves) are not folders.
  if (from.endsWith('.ts')) continue;
  const text = readFileSync(file, 'utf8');
  for (const [, spec] of text.matchAll(/^import (?!type )[^;]*?from '(\.[^']+)'/gms)) {
    const to = folderOf(path.resolve(path.dirname(file), spec));
    if (to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)).add(to);
  }
}

function reaches(start, goal) {
  const seen = new Set();
  const stack = [start];
  while (stack.length) {
    for (const next of edges.get(stack.pop()) ?? []) {
      if (next === goal) return true;
      if (!seen.has(next)) seen.add(next) && stack.push(next);
    }
  }
  return false;
}

const cycles = [...edges].flatMap(([from, tos]) =>
  [...tos].filter((to) => from < to && reaches(to, from)).map((to) => `${from} <-> ${to}`),
);
if (cycles.length) {
  console.error(`Folder import cycles in src/:\n  ${cycles.join('\n  ')}`);
  process.exit(1);
}
console.log(`No import cycle between the ${edges.size} folders of src/.`);
