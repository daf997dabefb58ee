import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { SECRET_VARIABLES } from '../../scripts/effective-config.mjs';
import { configSchema } from '../../src/config';

/**
 * The README's configuration tables against what runs: every table whose first columns are
 * `name`/`variable` and `default`, wherever it is in the README. Each default it states must be
 * the parser's default, each value it gives in a `wrangler.toml` column must be wrangler.toml's,
 * and every variable the parser reads must be documented (INTERNAL lists the deliberate exceptions).
 */
const INTERNAL = new Set<string>([]);

const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const tomlVars = (unstable_readConfig({ config: path.join(root, 'wrangler.toml') }).vars ?? {}) as Record<
  string,
  unknown
>;
const fields = configSchema.shape as Record<string, (typeof configSchema.shape)[keyof typeof configSchema.shape]>;

type Stated =
  | { kind: 'value'; value: string }
  | { kind: 'unset' }
  | { kind: 'required'; secret: boolean }
  | { kind: 'optional secret' }
  | { kind: 'unreadable'; text: string };

interface Row {
  names: string[];
  defaults: Stated[] | 'see elsewhere';
  tomlValues: Stated[] | undefined;
  line: string;
}

/** Splits at `, ` and ` / ` outside code spans and parentheses. */
function items(cell: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let code = false;
  let current = '';
  for (let i = 0; i < cell.length; i++) {
    const char = cell[i];
    if (char === '`') code = !code;
    else if (!code && char === '(') depth++;
    else if (!code && char === ')') depth--;
    const separator = !code && depth === 0 && (cell.startsWith(', ', i) || cell.startsWith(' / ', i));
    if (separator) {
      parts.push(current.trim());
      current = '';
      i += cell.startsWith(', ', i) ? 1 : 2;
    } else current += char;
  }
  parts.push(current.trim());
  return parts;
}

function stated(item: string): Stated {
  const code = /^`([^`]*)`$/.exec(item);
  if (code) return { kind: 'value', value: code[1] ?? '' };
  if (/^\d+$/.test(item)) return { kind: 'value', value: item };
  if (item === 'empty') return { kind: 'value', value: '' };
  if (item === '–' || item === '-') return { kind: 'unset' };
  if (item === '(required)' || item === '(secret, required)') {
    return { kind: 'required', secret: item.includes('secret') };
  }
  if (item === '(secret)') return { kind: 'optional secret' };
  return { kind: 'unreadable', text: item };
}

function configTables(markdown: string): Row[] {
  const rows: Row[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const header = cellsOf(lines[i] ?? '');
    if (!header || !['name', 'variable'].includes(header[0] ?? '') || header[1] !== 'default') continue;
    const tomlColumn = header.indexOf('`wrangler.toml`');
    for (i += 2; cellsOf(lines[i] ?? ''); i++) {
      const line = lines[i] ?? '';
      const cells = cellsOf(line) ?? [];
      const names = [...(cells[0] ?? '').matchAll(/`([A-Z0-9_*]+)`/g)].map((match) => match[1] ?? '');
      const defaultCell = cells[1] ?? '';
      rows.push({
        names,
        line,
        defaults: defaultCell.startsWith('see ') ? 'see elsewhere' : items(defaultCell).map(stated),
        tomlValues: tomlColumn > 0 ? items(cells[tomlColumn] ?? '').map(stated) : undefined,
      });
    }
  }
  return rows;
}

function cellsOf(line: string): string[] | null {
  if (!line.startsWith('|')) return null;
  return line
    .slice(1, line.lastIndexOf('|'))
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** One stated value per name, or one for all of them. */
function perName<T>(row: Row, values: T[]): [string, T][] {
  if (values.length !== row.names.length && values.length !== 1) {
    throw new Error(`${row.names.length} names but ${values.length} values in: ${row.line}`);
  }
  return row.names.map((name, index) => [name, values[values.length === 1 ? 0 : index] as T]);
}

const rows = configTables(readme);

describe('README configuration tables', () => {
  it('are found, and every row names at least one variable', () => {
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) expect(row.names, row.line).not.toEqual([]);
  });

  it('write every default in a form this test reads', () => {
    const unreadable = rows.flatMap((row) =>
      [...(row.defaults === 'see elsewhere' ? [] : row.defaults), ...(row.tomlValues ?? [])]
        .filter((claim) => claim.kind === 'unreadable')
        .map((claim) => `"${claim.text}" in ${row.line}`),
    );
    expect(unreadable).toEqual([]);
  });

  it('state the parser’s defaults', () => {
    const wrong: string[] = [];
    for (const row of rows) {
      if (row.defaults === 'see elsewhere') continue;
      for (const [name, claim] of perName(row, row.defaults)) {
        const field = fields[name];
        if (!field || claim.kind === 'unreadable') continue; // reported by the tests above and below
        const fallback = field.safeParse(undefined);
        const matches =
          claim.kind === 'value'
            ? fallback.success && JSON.stringify(fallback.data) === JSON.stringify(field.safeParse(claim.value).data)
            : claim.kind === 'unset'
              ? fallback.success && fallback.data === undefined
              : claim.kind === 'required'
                ? !fallback.success
                : fallback.success;
        if (!matches) {
          wrong.push(`${name}: README says ${JSON.stringify(claim)}, parser default ${JSON.stringify(fallback)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('give wrangler.toml’s [vars] values, all of them', () => {
    const stated = new Map<string, Stated>();
    for (const row of rows) {
      if (row.tomlValues) for (const [name, value] of perName(row, row.tomlValues)) stated.set(name, value);
    }
    const expected = Object.fromEntries(
      [...stated.keys(), ...Object.keys(tomlVars)].map((name) => [
        name,
        name in tomlVars ? { kind: 'value', value: String(tomlVars[name]) } : { kind: 'unset' },
      ]),
    );
    expect(Object.fromEntries(stated)).toEqual(expected);
  });

  it('document every variable the parser reads, and none it does not', () => {
    const documented = new Set(rows.filter((row) => row.defaults !== 'see elsewhere').flatMap((row) => row.names));
    const mentioned = new Set(rows.flatMap((row) => row.names).filter((name) => !name.includes('*')));
    const parsed = Object.keys(fields);
    expect(parsed.filter((name) => !documented.has(name) && !INTERNAL.has(name))).toEqual([]);
    expect([...mentioned].filter((name) => !fields[name])).toEqual([]);
  });

  it('mark as secret exactly the variables the start-up banner hides', () => {
    const secret = rows.flatMap((row) =>
      row.defaults === 'see elsewhere'
        ? []
        : perName(row, row.defaults)
            .filter(([, claim]) => claim.kind === 'optional secret' || (claim.kind === 'required' && claim.secret))
            .map(([name]) => name),
    );
    expect(secret.sort()).toEqual([...SECRET_VARIABLES].sort());
  });
});
