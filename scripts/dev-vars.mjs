// Creates local-only secrets in .dev.vars when they are missing (never committed: see .gitignore).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const generators = {
  JWT_PRIVATE_KEY: () => {
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    return JSON.stringify({ ...jwk, kid: `dev-${randomBytes(4).toString('hex')}` });
  },
  SECRET_ENCRYPTION_KEY: () => randomBytes(32).toString('base64'),
  BACKUP_CODE_PEPPER: () => randomBytes(32).toString('base64'),
  INTROSPECTION_CREDENTIALS: () => `local-service:${randomBytes(24).toString('base64url')}`,
};

export function ensureDevVars(root) {
  const file = path.join(root, '.dev.vars');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const present = new Set(current.split('\n').map((line) => line.split('=')[0]?.trim()));
  const missing = Object.keys(generators).filter((name) => !present.has(name));
  if (missing.length === 0) return;
  const lines = missing.map((name) => `${name}='${generators[name]()}'`);
  const prefix = current && !current.endsWith('\n') ? '\n' : '';
  writeFileSync(file, `${current}${prefix}${lines.join('\n')}\n`, { mode: 0o600 });
  console.log(`> created local secrets in .dev.vars: ${missing.join(', ')}`);
}
