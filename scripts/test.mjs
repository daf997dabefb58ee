// `npm test`: install if needed, then the whole suite (workerd tests and the end-to-end test).
import { ensureInstalled, runForeground } from './bootstrap.mjs';

ensureInstalled();
runForeground('vitest', ['run', ...process.argv.slice(2)]);
