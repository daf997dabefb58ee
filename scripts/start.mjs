// `npm start [-- <wrangler dev args>]`: install if needed, create local secrets, apply local D1
// migrations when they changed, then `wrangler dev`, with the effective configuration printed once.
import { spawn } from 'node:child_process';
import net from 'node:net';
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
// The service and its password-hashing Worker (hasher.wrangler.toml, its HASHER binding) in one
// wrangler dev, unless the arguments name their own configuration.
const configs = args.some((arg) => /^(-c|--config)(=|$)/.test(arg))
  ? []
  : ['-c', 'wrangler.toml', '-c', 'hasher.wrangler.toml'];
runForeground('wrangler', ['dev', ...configs, ...args]);
printConfigOnceListening();

/**
 * The effective configuration, printed once wrangler listens: right under its "Ready on" line, and
 * after its start-up, which the banner's own work (importing wrangler to merge the variables as it
 * does, a second or two of CPU) would otherwise slow down.
 */
async function printConfigOnceListening() {
  const host = ['0.0.0.0', '::', '*'].includes(options.ip) ? 'localhost' : options.ip;
  const deadline = Date.now() + 120_000;
  while (!(await listening(options.port, host))) {
    if (Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const script = path.join(root, 'scripts', 'effective-config.mjs');
  spawn(path.join(root, 'node_modules', '.bin', 'node'), [script, ...args], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: toolEnv(),
  });
}

function listening(port, host) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
