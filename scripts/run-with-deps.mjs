// Runs a project script on the project's Node 22 after making sure dependencies are installed.
import { ensureInstalled, runForeground } from './bootstrap.mjs';

ensureInstalled();
runForeground('node', process.argv.slice(2));
