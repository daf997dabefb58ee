// The `wrangler dev` options that `npm start -- <args>` must also apply before wrangler runs (where
// the local database lives, which files hold the variables, where it listens), read the way
// wrangler's parser reads them.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Options that take one value, and options that take every value up to the next option. */
const SINGLE = new Set(['--persist-to', '--env', '-e', '--port', '--ip']);
const REPEATED = new Set(['--env-file', '--var']);

/**
 * @param {string[]} args the arguments given to `npm start --`
 * @param {string} root the project directory (wrangler runs there)
 */
export function devOptions(args, root) {
  const toml = readFileSync(path.join(root, 'wrangler.toml'), 'utf8');
  const options = {
    persistTo: path.join(root, '.wrangler', 'state'),
    /** @type {string[]} */ envFiles: [],
    /** @type {Record<string, string>} */ vars: {},
    /** @type {string | undefined} */ env: undefined,
    port: Number(/^\[dev\][^[]*?^port\s*=\s*(\d+)/m.exec(toml)?.[1] ?? 8787),
    ip: 'localhost',
  };
  for (let i = 0; i < args.length; i++) {
    const equals = args[i].startsWith('--') ? args[i].indexOf('=') : -1;
    const flag = equals > 0 ? args[i].slice(0, equals) : args[i];
    if (!SINGLE.has(flag) && !REPEATED.has(flag)) continue;
    const values = [];
    if (equals > 0) values.push(args[i].slice(equals + 1));
    else if (SINGLE.has(flag) && i + 1 < args.length) values.push(args[++i]);
    else while (i + 1 < args.length && !args[i + 1].startsWith('-')) values.push(args[++i]);
    if (flag === '--persist-to') options.persistTo = path.resolve(root, values[0] ?? '');
    else if (flag === '--env' || flag === '-e') options.env = values[0];
    else if (flag === '--port') options.port = Number(values[0]);
    else if (flag === '--ip') options.ip = values[0] ?? options.ip;
    else if (flag === '--env-file') options.envFiles.push(...values.map((file) => path.resolve(root, file)));
    else
      for (const pair of values) {
        const [name, ...value] = pair.split(':');
        options.vars[name] = value.join(':');
      }
  }
  return options;
}
