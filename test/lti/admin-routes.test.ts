import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../../src/db/schema';
import { call, get, json, problem } from '../helpers/api';
import { type FakeLms, fakeLms } from '../helpers/fake-lms';
import { fakeNetwork } from '../helpers/fake-network';
import { adminCall, codeOf, exchange, launch, ltiAdmin, ltiLogin, registerDynamically } from '../helpers/lti';
import { captureConsole } from '../helpers/mail';
import { staff } from '../helpers/staff';
import { sql } from '../helpers/users';

/** The platform registry's admin API: who may use it, what it accepts, what it audits. */

const net = fakeNetwork();
let lms: FakeLms;
beforeEach(async () => {
  captureConsole();
  net.install();
  lms = await fakeLms(net);
});
afterEach(() => net.reset());

const manual = (overrides: Record<string, unknown> = {}) => ({
  name: 'School Moodle',
  issuer: lms.issuer,
  client_id: lms.clientId,
  deployment_ids: [lms.deploymentId as string],
  authorization_endpoint: lms.urls.authorization,
  jwks_url: lms.urls.jwks,
  token_endpoint: lms.urls.token,
  ...overrides,
});

async function auditOf(event: string, platformId: string) {
  const row = await sql(
    'SELECT actor_id, details FROM audit_log WHERE event = ? AND details LIKE ?',
    event,
    `%${platformId}%`,
  ).first<{ actor_id: string; details: string }>();
  return row ? { actor_id: row.actor_id, details: JSON.parse(row.details) } : null;
}

describe('who may manage platforms', () => {
  it('ADMIN and SUPER_ADMIN, signed in with MFA; nobody else', { timeout: 120_000 }, async () => {
    const allowed: Role[] = ['SUPER_ADMIN', 'ADMIN'];
    for (const role of ['SUPER_ADMIN', 'ADMIN', 'SUPPORT', 'MODERATOR', 'INSTRUCTOR', 'STUDENT'] as Role[]) {
      const actor = await staff(role);
      const list = await get('admin/lti/platforms', { token: actor.access_token });
      if (allowed.includes(role)) expect(list.status, role).toBe(200);
      else await problem(list, 403, 'forbidden');
    }
    const withoutMfa = await staff('ADMIN', { mfa: false });
    await problem(await get('admin/lti/platforms', { token: withoutMfa.access_token }), 403, 'mfa_required');
    await problem(await get('admin/lti/platforms'), 401, 'unauthorized');
  });
});

describe('a platform entered by hand', () => {
  it('is created, listed, audited with its actor, and launches', async () => {
    const created = await adminCall('POST', 'platforms', manual({ trusts_emails: true }));
    expect(created.status).toBe(201);
    const { platform } = await json(created);
    expect(platform).toMatchObject({
      name: 'School Moodle',
      issuer: lms.issuer,
      client_id: lms.clientId,
      deployment_ids: [lms.deploymentId],
      awaiting_deployment: false,
      trusts_emails: true,
      role_mapping: null,
      frame_origins: [],
      registered_via: 'manual',
      linked_accounts: 0,
    });
    expect(await auditOf('lti.platform_created', platform.id)).toMatchObject({
      actor_id: (await ltiAdmin()).id,
      details: { issuer: lms.issuer, client_id: lms.clientId },
    });
    const run = await launch(lms);
    expect((await exchange(codeOf(run.launch))).status).toBe(200);
    const { platforms } = await json(await adminCall('GET', 'platforms'));
    expect(platforms.find((entry: { id: string }) => entry.id === platform.id)).toMatchObject({ linked_accounts: 1 });
  });

  it('must use https URLs (http only on loopback), an issuer without query, origins as frame origins', async () => {
    const invalid = await problem(
      await adminCall(
        'POST',
        'platforms',
        manual({
          issuer: 'https://lms.example/?tenant=1',
          authorization_endpoint: 'http://lms.example/auth',
          jwks_url: 'https://user:secret@lms.example/jwks',
          frame_origins: ['https://school.example/path'],
          role_mapping: { Learner: 'SUPER_ADMIN' },
        }),
      ),
      400,
      'validation_failed',
    );
    expect(invalid.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'authorization_endpoint',
      'frame_origins.0',
      'issuer',
      'jwks_url',
      'role_mapping.Learner',
    ]);
    const loopback = await adminCall(
      'POST',
      'platforms',
      manual({ issuer: 'http://127.0.0.1:8080', authorization_endpoint: 'http://localhost:8080/auth' }),
    );
    expect(loopback.status).toBe(201);
  });

  it('is unique per issuer and client id', async () => {
    expect((await adminCall('POST', 'platforms', manual())).status).toBe(201);
    await problem(await adminCall('POST', 'platforms', manual({ name: 'Again' })), 409, 'conflict');
  });
});

describe('changing a platform', () => {
  it('updates what is given, keeps the rest, and audits the fields changed', async () => {
    const { platform } = await json(await adminCall('POST', 'platforms', manual()));
    const changed = await adminCall('PATCH', `platforms/${platform.id}`, {
      deployment_ids: ['1', '2'],
      trusts_emails: true,
      frame_origins: ['https://school.example'],
      role_mapping: { Mentor: 'TEACHING_ASSISTANT' },
    });
    expect(changed.status).toBe(200);
    expect((await json(changed)).platform).toMatchObject({
      name: 'School Moodle',
      deployment_ids: ['1', '2'],
      trusts_emails: true,
      frame_origins: ['https://school.example'],
      role_mapping: { Mentor: 'TEACHING_ASSISTANT' },
    });
    expect(await auditOf('lti.platform_updated', platform.id)).toMatchObject({
      details: { changed: ['deployment_ids', 'frame_origins', 'role_mapping', 'trusts_emails'] },
    });
  });

  it('never changes the issuer or client id, and answers 404 for an unknown platform', async () => {
    const { platform } = await json(await adminCall('POST', 'platforms', manual()));
    await problem(
      await adminCall('PATCH', `platforms/${platform.id}`, { issuer: 'https://elsewhere.example' }),
      400,
      'validation_failed',
    );
    await problem(await adminCall('PATCH', `platforms/${crypto.randomUUID()}`, { name: 'x' }), 404, 'not_found');
    await problem(await adminCall('PATCH', 'platforms/not-a-uuid', { name: 'x' }), 400, 'validation_failed');
  });

  it('reads the new key set after its JWKS URL changes', async () => {
    const { platform } = await json(await adminCall('POST', 'platforms', manual()));
    expect((await launch(lms)).launch.status).toBe(303);
    const moved = `${lms.origin}/mod/lti/certs-moved.php`;
    net.on('GET', moved, { status: 200, body: { keys: [] } });
    await adminCall('PATCH', `platforms/${platform.id}`, { jwks_url: moved });
    expect((await launch(lms)).launch.status).toBe(400);
  });
});

describe('deleting a platform', () => {
  it('is refused while accounts sign in through it, unless forced; audited', async () => {
    const platform = await registerDynamically(lms);
    await exchange(codeOf((await launch(lms)).launch));
    await problem(await adminCall('DELETE', `platforms/${platform.id}`), 409, 'conflict');
    expect((await adminCall('DELETE', `platforms/${platform.id}?force=true`)).status).toBe(204);
    expect(await sql('SELECT count(*) AS n FROM lti_user_links WHERE platform_id = ?', platform.id).first()).toEqual({
      n: 0,
    });
    expect(await auditOf('lti.platform_deleted', platform.id)).toMatchObject({ details: { links_removed: 1 } });
    expect((await ltiLogin(lms)).status).toBe(400);
    await problem(await adminCall('DELETE', `platforms/${platform.id}`), 404, 'not_found');
  });
});

describe('the tool configuration', () => {
  it('lists the URLs to paste into an LMS', async () => {
    const answer = await adminCall('GET', 'tool');
    expect(await json(answer)).toEqual({
      login_url: 'https://auth.test/lti/login',
      launch_url: 'https://auth.test/lti/launch',
      jwks_url: 'https://auth.test/lti/jwks.json',
      target_link_uri: 'http://localhost:3000/lti',
      registration_url: 'https://auth.test/lti/register',
      target_origins: ['http://localhost:3000'],
    });
  });
});

describe('the OpenAPI document', () => {
  it('describes the browser routes, the exchange and the admin API', async () => {
    const document = await json(await call('GET', '/api/auth/openapi.json'));
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/lti/login',
        '/lti/launch',
        '/lti/register',
        '/lti/jwks.json',
        '/api/auth/lti/exchange',
        '/api/auth/admin/lti/platforms',
        '/api/auth/admin/lti/platforms/{id}',
        '/api/auth/admin/lti/registrations',
      ]),
    );
    expect(Object.keys(document.paths['/lti/login'])).toEqual(['get', 'post']);
    expect(document.paths['/lti/launch'].post.requestBody.content).toHaveProperty('application/x-www-form-urlencoded');
    expect(document.paths['/lti/launch'].post.responses).toHaveProperty('303');
    expect(document.paths['/lti/register'].get.responses['200'].content).toHaveProperty('text/html');
  });
});
