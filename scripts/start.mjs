// `npm start`: install if needed, create local secrets, apply local D1 migrations, run wrangler dev.
import { ensureInstalled, root, runForeground, runSync } from './bootstrap.mjs';
import { ensureDevVars } from './dev-vars.mjs';

ensureInstalled();
ensureDevVars(root);
runSync('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local']);
runForeground('wrangler', ['dev', ...process.argv.slice(2)]);
