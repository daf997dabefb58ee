// `npm start [-- <wrangler dev args>]`: install if needed, create local secrets, apply local D1
// migrations when they changed, then `wrangler dev`, with the effective configuration printed once.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureInstalled, root, runForeground, runSync, toolEnv } from './bootstrap.mjs';
import { devOptions } from './dev-args.mjs';
import { ensureLocalSecrets } from './dev-vars.mjs';
import { applyLocalMigrations } from './local-migrations.mjs';

const args = process.argv.slice(2);
ensureInstalled();
const options = devOptions(args, root);
// With --env-file, wrangler reads those files instead of .dev.vars: the secrets go there.
ensureLocalSecrets(options.envFiles.length > 0 ? options.envFiles : [path.join(root, '.dev.vars')]);
applyLocalMigrations(root, options.persistTo, (wranglerArgs) => runSync('wrangler', wranglerArgs));
// Printed while wrangler starts (importing wrangler to merge the variables takes a second or two).
spawn(path.join(root, 'node_modules', '.bin', 'node'), [path.join(root, 'scripts', 'effective-config.mjs'), ...args], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: toolEnv(),
});
runForeground('wrangler', ['dev', ...args]);
