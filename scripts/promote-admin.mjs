// `npm run admin:promote -- <email> [--remote]`: makes an existing, verified account SUPER_ADMIN.
// The only way to create the first SUPER_ADMIN: it needs shell access to the D1 database (local, or
// remote through `wrangler login`), never an HTTP endpoint. Later admins are named in the admin API.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ensureInstalled, root, toolEnv } from './bootstrap.mjs';

const args = process.argv.slice(2);
const email = args
  .find((arg) => !arg.startsWith('--'))
  ?.trim()
  .toLowerCase();
const where = args.includes('--remote') ? '--remote' : '--local';
// Strict on purpose: the address goes into SQL, so nothing that could close a string gets through.
if (!email || !/^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$/.test(email)) {
  console.error('usage: npm run admin:promote -- <email of a registered, verified account> [--remote]');
  process.exit(2);
}

ensureInstalled();
const now = Date.now();
const sql = [
  `UPDATE users SET role = 'SUPER_ADMIN', updated_at = ${now} WHERE email = '${email}' AND is_email_verified = 1 AND is_active = 1`,
  `INSERT INTO audit_log (id, event, user_id, actor_id, details, created_at) SELECT '${randomUUID()}', 'admin.role_changed', id, NULL, '{"to":"SUPER_ADMIN","via":"promote-admin script"}', ${now} FROM users WHERE email = '${email}' AND role = 'SUPER_ADMIN'`,
  `SELECT id, email, role, mfa_enabled FROM users WHERE email = '${email}'`,
].join('; ');

const result = spawnSync(
  path.join(root, 'node_modules', '.bin', 'wrangler'),
  ['d1', 'execute', 'DB', where, '--json', '--command', sql, ...args.filter((arg) => arg.startsWith('--persist-to'))],
  { cwd: root, env: toolEnv(), encoding: 'utf8' },
);
if (result.status !== 0) {
  console.error(result.stderr || result.stdout);
  process.exit(result.status ?? 1);
}
const rows = JSON.parse(result.stdout).at(-1)?.results ?? [];
const user = rows[0];
if (user?.role !== 'SUPER_ADMIN') {
  console.error(`No verified, active account with the email ${email}: register and verify it first.`);
  process.exit(1);
}
console.log(`${email} (${user.id}) is now SUPER_ADMIN.`);
if (!user.mfa_enabled)
  console.log(
    'Turn on two-factor authentication for it before using the admin API (it answers 403 mfa_required until then).',
  );
