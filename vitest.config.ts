import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { build } from 'esbuild';
import { defineConfig } from 'vitest/config';

/** Throw-away secrets for the test run: generated fresh, never written anywhere. */
function testSecrets() {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const previous = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  return {
    JWT_PRIVATE_KEY: JSON.stringify({ ...jwk, kid: 'test-current' }),
    JWT_PREVIOUS_PUBLIC_KEY: JSON.stringify({ ...previous, kid: 'test-previous' }),
    SECRET_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    BACKUP_CODE_PEPPER: randomBytes(32).toString('base64'),
    REFRESH_TOKEN_SECRET: randomBytes(32).toString('base64'),
  };
}

/**
 * wrangler.toml as the worker tests see it: the same file, copied into a directory of its own.
 * Wrangler adds the variables of `.dev.vars` (or `.env`) found next to the config it is given, and
 * the developer's local settings (a short ACCESS_TOKEN_TTL, other CORS_ORIGINS) must not change
 * what the tests see. Paths in the copy are made absolute so they still point into the project.
 */
function wranglerConfigWithoutLocalVars(): string {
  const directory = path.join(import.meta.dirname, 'node_modules', '.cache', 'vitest-wrangler');
  const copy = path.join(directory, 'wrangler.toml');
  const toml = readFileSync(path.join(import.meta.dirname, 'wrangler.toml'), 'utf8').replace(
    /^(main|migrations_dir|directory)\s*=\s*"([^"]+)"/gm,
    (_, key: string, value: string) => `${key} = ${JSON.stringify(path.resolve(import.meta.dirname, value))}`,
  );
  mkdirSync(directory, { recursive: true });
  writeFileSync(copy, toml);
  return copy;
}

/**
 * The password-hashing Worker (hasher.wrangler.toml), bundled for Miniflare, which runs auxiliary
 * Workers from JavaScript: the tests reach it through the same HASHER binding as `npm start`.
 */
async function hashingWorkerScript(): Promise<string> {
  const toml = readFileSync(path.join(import.meta.dirname, 'hasher.wrangler.toml'), 'utf8');
  const entry = /^main\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!entry) throw new Error('hasher.wrangler.toml has no main');
  const outfile = path.join(import.meta.dirname, 'node_modules', '.cache', 'vitest-hasher', 'hasher.js');
  await build({
    entryPoints: [path.join(import.meta.dirname, entry)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['node:*', 'cloudflare:*'],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

export default defineConfig({
  test: {
    // Request logs are noise when a test passes and evidence when it fails.
    silent: 'passed-only',
    projects: [
      {
        plugins: [
          cloudflareTest(async () => ({
            main: './src/index.ts',
            wrangler: { configPath: wranglerConfigWithoutLocalVars() },
            miniflare: {
              workers: [
                {
                  name: 'auth-service-hasher',
                  modules: true,
                  scriptPath: await hashingWorkerScript(),
                  compatibilityDate: /^compatibility_date\s*=\s*"([^"]+)"/m.exec(
                    readFileSync(path.join(import.meta.dirname, 'hasher.wrangler.toml'), 'utf8'),
                  )?.[1],
                  compatibilityFlags: ['nodejs_compat'],
                },
              ],
              email: {
                send_email: [
                  { name: 'EMAIL' },
                  // A real local binding that refuses other recipients: proves delivery errors stay internal.
                  { name: 'EMAIL_RESTRICTED', allowed_destination_addresses: ['allowed@example.com'] },
                ],
              },
              bindings: {
                ...testSecrets(),
                // Most tests hash at a low cost; one test checks the real default.
                SCRYPT_LOG_N: '4',
                // Emails go to an in-memory outbox the tests read (test/helpers/mail.ts).
                EMAIL_TRANSPORT: 'memory',
                SCRYPT_P: '1',
                // Test files share one client IP; the rate-limit tests set their own limits.
                RATE_LIMIT_LOGIN_IP: '10000/60',
                RATE_LIMIT_REGISTER_IP: '10000/600',
                TEST_MIGRATIONS: await readD1Migrations(path.join(import.meta.dirname, 'migrations')),
              },
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/node/**'],
          setupFiles: ['./test/setup/apply-migrations.ts'],
        },
      },
      {
        // Checks of the repository itself (docs against code), in plain Node.
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/node/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
