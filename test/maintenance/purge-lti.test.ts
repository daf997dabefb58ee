import { createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { captureConsole } from '../helpers/mail';
import { registerVerified, sql } from '../helpers/users';

const HOUR = 3600 * 1000;

/** The nightly purge of the LTI tool's single-use rows: states, codes, registration links. */
describe('scheduled purge of LTI rows', () => {
  it('removes expired states, codes and registration links, and keeps live ones', async () => {
    const logs = captureConsole();
    const user = await registerVerified();
    const now = Date.now();
    await sql(
      "INSERT INTO lti_platforms (id, name, issuer, client_id, authorization_endpoint, jwks_url, created_at, updated_at) VALUES ('p1', 'LMS', 'https://lms.example', 'c1', 'https://lms.example/auth', 'https://lms.example/jwks', ?, ?)",
      now,
      now,
    ).run();
    for (const [hash, expiresAt] of [
      ['state-live', now + HOUR],
      ['state-expired', now - 1],
    ] as const) {
      await sql(
        "INSERT INTO lti_login_states (state_hash, nonce_hash, binding_hash, platform_id, created_at, expires_at) VALUES (?, 'n', 'b', 'p1', ?, ?)",
        hash,
        now - HOUR,
        expiresAt,
      ).run();
    }
    for (const [hash, expiresAt] of [
      ['code-live', now + 60_000],
      ['code-expired', now - 1],
    ] as const) {
      await sql(
        "INSERT INTO lti_codes (code_hash, user_id, platform_id, launch, created_at, expires_at) VALUES (?, ?, 'p1', '{}', ?, ?)",
        hash,
        user.id,
        now - HOUR,
        expiresAt,
      ).run();
    }
    for (const [id, expiresAt] of [
      ['link-live', now + HOUR],
      ['link-expired', now - 1],
    ] as const) {
      await sql(
        'INSERT INTO lti_registration_links (id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)',
        id,
        `hash-${id}`,
        now - HOUR,
        expiresAt,
      ).run();
    }

    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: '17 3 * * *' }), env as never);

    const column = async (query: string) => (await sql(query).all<{ key: string }>()).results.map((row) => row.key);
    expect(await column('SELECT state_hash AS key FROM lti_login_states')).toEqual(['state-live']);
    expect(await column('SELECT code_hash AS key FROM lti_codes')).toEqual(['code-live']);
    expect(await column('SELECT id AS key FROM lti_registration_links')).toEqual(['link-live']);
    const line = logs.lines.find((entry) => entry.includes('"msg":"purge"'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ ltiLoginStates: 1, ltiCodes: 1, ltiRegistrationLinks: 1 });
  });
});
