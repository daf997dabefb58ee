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
  REFRESH_TOKEN_SECRET: () => randomBytes(32).toString('base64'),
  INTROSPECTION_CREDENTIALS: () => `local-service:${randomBytes(24).toString('base64url')}`,
};

/**
 * The secrets `npm start` needs, appended to the last of `files` (dotenv files, later ones winning,
 * as wrangler reads them) when none of them has them.
 */
export function ensureLocalSecrets(files) {
  const file = files.at(-1);
  const present = new Set(
    files.flatMap((each) =>
      existsSync(each)
        ? readFileSync(each, 'utf8')
            .split('\n')
            .map((line) => line.split('=')[0]?.trim())
        : [],
    ),
  );
  const missing = Object.keys(generators).filter((name) => !present.has(name));
  if (missing.length === 0) return;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = missing.map((name) => `${name}='${generators[name]()}'`);
  const prefix = current && !current.endsWith('\n') ? '\n' : '';
  writeFileSync(file, `${current}${prefix}${lines.join('\n')}\n`, { mode: 0o600 });
  console.log(`> created local secrets in ${path.basename(file)}: ${missing.join(', ')}`);
}

export function ensureDevVars(root) {
  ensureLocalSecrets([path.join(root, '.dev.vars')]);
}
