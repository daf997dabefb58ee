import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOOL_CONFIGURATION } from '../../src/lti/dynamic-registration';
import { call, json, post, problem } from '../helpers/api';
import { type FakeLms, fakeLms } from '../helpers/fake-lms';
import { fakeNetwork } from '../helpers/fake-network';
import { adminCall, ltiAdmin, openRegistration, platformOf, registrationLink } from '../helpers/lti';
import { captureConsole } from '../helpers/mail';
import { staff } from '../helpers/staff';
import { sql } from '../helpers/users';

/** Dynamic registration from an admin's one-time link, as Moodle and Canvas run it. */

const net = fakeNetwork();
let lms: FakeLms;
beforeEach(async () => {
  captureConsole();
  net.install();
  lms = await fakeLms(net);
});
afterEach(() => net.reset());

async function refusedWith(response: Response, reason: string) {
  const page = await response.text();
  expect(response.status, page).toBe(400);
  expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
  const rows = await sql("SELECT details FROM audit_log WHERE event = 'lti.registration_refused'").all<{
    details: string;
  }>();
  expect(rows.results.map((row) => JSON.parse(row.details).reason)).toContain(reason);
  return page;
}

const platformCount = async () =>
  (await sql('SELECT count(*) AS n FROM lti_platforms WHERE issuer = ?', lms.issuer).first<{ n: number }>())?.n ?? 0;

describe('the one-time registration link', () => {
  it('is made by an admin, lasts an hour, and is stored hashed', async () => {
    const before = Date.now();
    const response = await adminCall('POST', 'registrations');
    expect(response.status).toBe(201);
    const { url, expires_at } = await json(response);
    const link = new URL(url);
    expect(`${link.origin}${link.pathname}`).toBe('https://auth.test/lti/register');
    const token = link.searchParams.get('link') ?? '';
    expect(token).toMatch(/^[\w-]{43}$/);
    const expires = Date.parse(expires_at);
    expect(expires - before).toBeGreaterThanOrEqual(3600_000 - 5_000);
    expect(expires - before).toBeLessThanOrEqual(3600_000 + 5_000);
    const stored = await sql('SELECT token_hash FROM lti_registration_links').all<{ token_hash: string }>();
    expect(stored.results.map((row) => row.token_hash)).not.toContain(token);
    const audit = await sql("SELECT actor_id FROM audit_log WHERE event = 'lti.registration_link_created'").first();
    expect(audit).toEqual({ actor_id: (await ltiAdmin()).id });
  });

  it('is refused to staff without lti.manage', async () => {
    const support = await staff('SUPPORT');
    await problem(await post('admin/lti/registrations', {}, { token: support.access_token }), 403, 'forbidden');
  });
});

describe('dynamic registration', () => {
  it('registers the tool at the platform, stores the platform and closes the LMS window', async () => {
    const page = await openRegistration(await registrationLink(), lms, 'token-from-moodle');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Registration complete');
    expect(html).toContain('<script src="/lti/assets/close.js"></script>');

    const [sent] = lms.registrations;
    expect(sent?.headers.get('Authorization')).toBe('Bearer token-from-moodle');
    const registration = JSON.parse(sent?.body ?? '{}');
    expect(registration).toMatchObject({
      initiate_login_uri: 'https://auth.test/lti/login',
      redirect_uris: ['https://auth.test/lti/launch'],
      jwks_uri: 'https://auth.test/lti/jwks.json',
      client_name: 'Learning Platform',
      [TOOL_CONFIGURATION]: {
        target_link_uri: 'http://localhost:3000/lti',
        claims: expect.arrayContaining(['sub', 'email', 'name']),
        messages: [expect.objectContaining({ type: 'LtiResourceLinkRequest' })],
      },
    });

    const platform = await platformOf(lms);
    expect(platform).toMatchObject({
      name: `moodle (${new URL(lms.origin).host})`,
      deployment_ids: [lms.deploymentId],
      awaiting_deployment: false,
      registered_via: 'dynamic',
      trusts_emails: false,
      role_mapping: null,
      authorization_endpoint: lms.urls.authorization,
      jwks_url: lms.urls.jwks,
      token_endpoint: lms.urls.token,
    });
    const audit = await sql(
      "SELECT actor_id, details FROM audit_log WHERE event = 'lti.platform_registered' AND details LIKE ?",
      `%${platform.id}%`,
    ).first<{ actor_id: string; details: string }>();
    expect(audit?.actor_id).toBe((await ltiAdmin()).id);
    expect(audit?.details).not.toContain('token-from-moodle');
  });

  it('registers Canvas, which answers without a deployment: the platform awaits its first launch', async () => {
    const canvas = await fakeLms(net, { deploymentId: null, productFamilyCode: 'canvas' });
    expect((await openRegistration(await registrationLink(), canvas)).status).toBe(200);
    expect(await platformOf(canvas)).toMatchObject({ deployment_ids: [], awaiting_deployment: true });
  });

  it('uses a link once', async () => {
    const link = await registrationLink();
    expect((await openRegistration(link, lms)).status).toBe(200);
    const other = await fakeLms(net);
    await refusedWith(await openRegistration(link, other), 'registration_link_invalid');
    expect(other.registrations).toHaveLength(0);
  });

  it('refuses an expired or unknown link without calling the platform', async () => {
    const link = await registrationLink();
    await sql('UPDATE lti_registration_links SET expires_at = ?', Date.now() - 1).run();
    await refusedWith(await openRegistration(link, lms), 'registration_link_invalid');
    await refusedWith(
      await openRegistration('https://auth.test/lti/register?link=made-up', lms),
      'registration_link_invalid',
    );
    expect(lms.registrations).toHaveLength(0);
  });

  it('refuses a request without the platform configuration, keeping the link', async () => {
    const link = await registrationLink();
    await refusedWith(await call('GET', new URL(link).pathname + new URL(link).search), 'missing_parameter');
    expect((await openRegistration(link, lms)).status).toBe(200);
  });

  it('gives the link back when the platform fails, so that the LMS administrator can retry', async () => {
    const link = await registrationLink();
    lms.answers.openidConfiguration = { status: 503 };
    const page = await refusedWith(await openRegistration(link, lms), 'configuration_refused');
    expect(page).toContain('The registration did not complete');
    lms.answers.openidConfiguration = null;
    lms.answers.registration = { status: 400, body: { error: 'invalid_client_metadata' } };
    await refusedWith(await openRegistration(link, lms), 'registration_refused');
    const refused = await sql(
      "SELECT actor_id, details FROM audit_log WHERE event = 'lti.registration_refused' AND details LIKE '%invalid_client_metadata%'",
    ).first<{ actor_id: string }>();
    expect(refused?.actor_id).toBe((await ltiAdmin()).id);
    lms.answers.registration = null;
    expect((await openRegistration(link, lms)).status).toBe(200);
    expect(await platformCount()).toBe(1);
  });

  it('refuses a configuration whose issuer is not the origin it was served from', async () => {
    lms.openidConfiguration.issuer = 'https://another-lms.example';
    await refusedWith(await openRegistration(await registrationLink(), lms), 'issuer_mismatch');
    expect(await platformCount()).toBe(0);
  });

  it('refuses a second registration of the same client at the same issuer', async () => {
    expect((await openRegistration(await registrationLink(), lms)).status).toBe(200);
    const again = await fakeLms(net, { origin: lms.origin, clientId: lms.clientId });
    await refusedWith(await openRegistration(await registrationLink(), again), 'already_registered');
    expect(await platformCount()).toBe(1);
  });
});
