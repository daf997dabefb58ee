import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../scripts/effective-config.mjs';

/** The start-up block of `npm start` (the merge itself is wrangler's; the e2e test runs it for real). */
const privateKey = JSON.stringify({
  ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }),
  kid: 'test',
});
const secrets = {
  JWT_PRIVATE_KEY: privateKey,
  SECRET_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  BACKUP_CODE_PEPPER: randomBytes(32).toString('base64'),
  REFRESH_TOKEN_SECRET: randomBytes(32).toString('base64'),
  INTROSPECTION_CREDENTIALS: `svc:${randomBytes(16).toString('hex')}`,
};

function variables(values: Record<string, [value: string, source: string, replaces?: string]>) {
  return new Map(
    Object.entries(values).map(([name, [value, source, replaces]]) => [
      name,
      { value, source, ...(replaces ? { replaces } : {}) },
    ]),
  );
}

const fromDevVars = Object.fromEntries(
  Object.entries(secrets).map(([name, value]) => [name, [value, '.dev.vars'] as [string, string]]),
);

describe('the effective configuration block', () => {
  it('shows parsed values with their source, and what replaced wrangler.toml', async () => {
    const block = await describeConfig(
      variables({
        ...fromDevVars,
        APP_URL: ['http://localhost:3000', 'wrangler.toml'],
        CORS_ORIGINS: ['http://a.test, http://b.test', '.dev.vars', 'wrangler.toml'],
        ACCESS_TOKEN_TTL: ['5', '--var'],
      }),
    );
    const line = (name: string) => block.split('\n').find((each) => each.startsWith(`│ ${name} `));
    expect(line('CORS_ORIGINS')).toMatch(/http:\/\/a\.test, http:\/\/b\.test +\.dev\.vars, replaces wrangler\.toml$/);
    expect(line('ACCESS_TOKEN_TTL')).toMatch(/ 5 +--var$/);
    expect(line('SESSION_TTL')).toMatch(/ 86400 +default$/);
    expect(line('RATE_LIMIT_LOGIN_IP')).toMatch(/ 60\/60 +default$/);
    expect(line('JWT_PRIVATE_KEY')).toMatch(/\(secret, set\) +\.dev\.vars$/);
    expect(line('RESEND_API_KEY')).toMatch(/\(secret, not set\) +default$/);
    expect(block).toContain('│ valid');
    for (const value of Object.values(secrets)) expect(block).not.toContain(value);
    expect(block).not.toContain(JSON.parse(privateKey).d);
  });

  it('says which value is refused and that the service will answer 503', async () => {
    const block = await describeConfig(
      variables({
        ...fromDevVars,
        APP_URL: ['http://localhost:3000', 'wrangler.toml'],
        ACCESS_TOKEN_TTL: ['soon', '.dev.vars'],
      }),
    );
    expect(block).toMatch(/│ ACCESS_TOKEN_TTL +✗ .+\.dev\.vars\n/);
    expect(block).toContain('every request answers 503 service_unavailable');
    expect(block).not.toContain('│ valid');
  });
});
