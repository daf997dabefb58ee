// `node scripts/effective-config.mjs [wrangler dev args]` (Node 22: it imports src/config.ts) prints,
// in one block, the configuration the worker gets from `npm start -- <args>`. Wrangler's own
// functions merge wrangler.toml [vars], then .dev.vars (or the --env-file files), then --var, as
// `wrangler dev` does; src/config.ts parses the result, defaults included, so there is one parser.
// Wrangler shows every .dev.vars value as "(hidden)": this shows them, except secrets.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { devOptions } from './dev-args.mjs';

/** Shown as set or not set, never their value. The README test checks this against its "(secret" marks. */
export const SECRET_VARIABLES = [
  'JWT_PRIVATE_KEY',
  'SECRET_ENCRYPTION_KEY',
  'BACKUP_CODE_PEPPER',
  'REFRESH_TOKEN_SECRET',
  'REFRESH_TOKEN_PREVIOUS_SECRET',
  'INTROSPECTION_CREDENTIALS',
  'RESEND_API_KEY',
  'GOOGLE_CLIENT_SECRET',
  'GITHUB_CLIENT_SECRET',
];

/**
 * The variables `wrangler dev <args>` gives the worker, each with where it came from.
 * @param {string[]} args @param {string} root
 * @returns {Promise<Map<string, { value: unknown, source: string, replaces?: string }>>}
 */
export async function effectiveVariables(args, root) {
  const options = devOptions(args, root);
  const { unstable_readConfig, unstable_getVarsForDev } = await import('wrangler');
  const configPath = path.join(root, 'wrangler.toml');
  const config = unstable_readConfig({ config: configPath, env: options.env });
  const envFiles = options.envFiles.length > 0 ? options.envFiles : undefined;
  const fromFiles = unstable_getVarsForDev(configPath, envFiles, {}, options.env, true);
  const fileLabel = envFiles
    ? envFiles.map((file) => (file.startsWith(root + path.sep) ? path.relative(root, file) : file)).join(', ')
    : ([`.dev.vars.${options.env}`, '.dev.vars'].find((name) => existsSync(path.join(root, name))) ?? '.env');

  const variables = new Map();
  for (const [name, value] of Object.entries(config.vars ?? {})) {
    variables.set(name, { value, source: 'wrangler.toml' });
  }
  const layers = [
    [fileLabel, Object.fromEntries(Object.entries(fromFiles).map(([name, binding]) => [name, binding.value]))],
    ['--var', options.vars],
  ];
  for (const [source, values] of layers) {
    for (const [name, value] of Object.entries(values)) {
      const earlier = variables.get(name);
      const replaces = earlier && earlier.value !== value ? earlier.source : undefined;
      variables.set(name, { value, source, ...(replaces ? { replaces } : {}) });
    }
  }
  return variables;
}

function display(value) {
  if (value === undefined) return '–';
  if (Array.isArray(value)) return value.length > 0 ? value.join(', ') : '(empty)';
  if (value && typeof value === 'object' && 'limit' in value && 'windowSeconds' in value) {
    return `${value.limit}/${value.windowSeconds}`;
  }
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > 72 ? `${text.slice(0, 71)}…` : text;
}

/**
 * One line per variable the parser knows: the parsed value (or why it is refused) and its source.
 * @param {Map<string, { value: unknown, source: string, replaces?: string }>} variables
 */
export async function describeConfig(variables) {
  const { configSchema, loadConfig } = await import('../src/config.ts');
  const env = Object.fromEntries([...variables].map(([name, { value }]) => [name, value]));
  const names = Object.keys(configSchema.shape);
  const width = Math.max(...names.map((name) => name.length)) + 2;
  const lines = names.map((name) => {
    const given = variables.get(name);
    const parsed = configSchema.shape[name].safeParse(env[name]);
    let shown;
    if (SECRET_VARIABLES.includes(name)) shown = given ? '(secret, set)' : '(secret, not set)';
    else if (!parsed.success) shown = `✗ ${parsed.error.issues.map((issue) => issue.message).join('; ')}`;
    else shown = display(parsed.data);
    const source = !given ? 'default' : given.replaces ? `${given.source}, replaces ${given.replaces}` : given.source;
    return `│ ${name.padEnd(width)}${shown.padEnd(48)} ${source}`;
  });
  let verdict = '│ valid';
  try {
    loadConfig(env);
  } catch (error) {
    verdict = `│ ✗ ${error instanceof Error ? error.message : String(error)}\n│   every request answers 503 service_unavailable until this is fixed`;
  }
  return [
    '┌ effective configuration (wrangler.toml < .dev.vars or --env-file < --var; parsed by src/config.ts)',
    ...lines,
    verdict,
    '└',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // src/ writes its imports without extensions, as the bundler resolves them; Node needs the `.ts`.
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if (!specifier.startsWith('.') || path.extname(specifier)) throw error;
        return nextResolve(`${specifier}.ts`, context);
      }
    },
  });
  const root = path.resolve(import.meta.dirname, '..');
  const block = await describeConfig(await effectiveVariables(process.argv.slice(2), root));
  process.stdout.write(`${block}\n`);
}
