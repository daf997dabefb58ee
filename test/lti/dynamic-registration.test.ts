import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PLATFORM_CONFIGURATION,
  registerWithPlatform,
  TOOL_CONFIGURATION,
  type ToolDescription,
} from '../../src/lti/dynamic-registration';
import { type FakeLms, type FakeLmsOptions, fakeLms } from '../helpers/fake-lms';
import { fakeNetwork } from '../helpers/fake-network';

const TOOL: ToolDescription = {
  clientName: 'Learning Platform',
  loginUrl: 'https://auth.example/lti/login',
  launchUrl: 'https://auth.example/lti/launch',
  jwksUrl: 'https://auth.example/.well-known/jwks.json',
  targetLinkUri: 'https://app.example/lti',
};
const TOKEN = 'registration-token-from-the-lms';
const net = fakeNetwork();
let lms: FakeLms;
beforeEach(async () => {
  net.install();
  lms = await fakeLms(net, { registrationToken: TOKEN });
});
afterEach(() => net.reset());

const register = (extra: Partial<Parameters<typeof registerWithPlatform>[0]> = {}) =>
  registerWithPlatform({
    openidConfigurationUrl: lms.urls.openidConfiguration,
    registrationToken: TOKEN,
    tool: TOOL,
    timeoutMs: 200,
    ...extra,
  });
const withLms = async (options: FakeLmsOptions) => {
  lms = await fakeLms(net, options);
  return lms;
};

describe('dynamic registration', () => {
  it('registers the tool and returns the platform to store', async () => {
    expect(await register()).toEqual({
      ok: true,
      platform: {
        name: `moodle (${new URL(lms.origin).host})`,
        issuer: lms.issuer,
        clientId: lms.clientId,
        deploymentIds: [lms.deploymentId],
        authorizationEndpoint: lms.urls.authorization,
        jwksUrl: lms.urls.jwks,
        tokenEndpoint: lms.urls.token,
      },
    });
  });

  it('posts the client registration LTI-DR asks for, with the registration token as Bearer', async () => {
    await register();
    const [sent] = lms.registrations;
    expect(sent?.method).toBe('POST');
    expect(sent?.headers.get('Authorization')).toBe(`Bearer ${TOKEN}`);
    expect(sent?.headers.get('Content-Type')).toBe('application/json');
    expect(JSON.parse(sent?.body ?? '')).toEqual({
      application_type: 'web',
      response_types: ['id_token'],
      grant_types: ['implicit', 'client_credentials'],
      initiate_login_uri: TOOL.loginUrl,
      redirect_uris: [TOOL.launchUrl],
      client_name: TOOL.clientName,
      jwks_uri: TOOL.jwksUrl,
      token_endpoint_auth_method: 'private_key_jwt',
      scope: '',
      [TOOL_CONFIGURATION]: {
        domain: 'app.example',
        secondary_domains: ['auth.example'],
        target_link_uri: TOOL.targetLinkUri,
        claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
        messages: [{ type: 'LtiResourceLinkRequest', target_link_uri: TOOL.targetLinkUri, label: TOOL.clientName }],
      },
    });
  });

  it('sends the optional description, logo and scopes, and no secondary domain when there is one host', async () => {
    const tool = {
      ...TOOL,
      loginUrl: 'https://app.example/lti/login',
      description: 'Courses',
      logoUri: 'https://app.example/logo.svg',
      scope: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
    };
    await register({ tool });
    const body = JSON.parse(lms.registrations[0]?.body ?? '');
    expect(body).toMatchObject({ logo_uri: tool.logoUri, scope: tool.scope });
    expect(body[TOOL_CONFIGURATION]).toMatchObject({ description: 'Courses', domain: 'app.example' });
    expect(body[TOOL_CONFIGURATION]).not.toHaveProperty('secondary_domains');
  });

  it('sends no Authorization header when the platform gave no registration token', async () => {
    await withLms({});
    expect(await register({ registrationToken: null })).toMatchObject({ ok: true });
    expect(lms.registrations[0]?.headers.has('Authorization')).toBe(false);
  });

  it('stores no deployment when the platform creates it later, as Canvas does', async () => {
    await withLms({ deploymentId: null, productFamilyCode: 'canvas' });
    expect(await register({ registrationToken: null })).toMatchObject({
      ok: true,
      platform: { deploymentIds: [], name: `canvas (${new URL(lms.origin).host})` },
    });
  });

  it('reads numeric ids as strings', async () => {
    lms.answers.registration = { status: 201, body: { client_id: 42, [TOOL_CONFIGURATION]: { deployment_id: 7 } } };
    expect(await register()).toMatchObject({ ok: true, platform: { clientId: '42', deploymentIds: ['7'] } });
  });

  it('accepts a platform installed under a path (Moodle in /moodle)', async () => {
    lms.openidConfiguration.issuer = `${lms.origin}/moodle`;
    expect(await register()).toMatchObject({ ok: true, platform: { issuer: `${lms.origin}/moodle` } });
  });

  it('accepts a platform on a loopback host over http', async () => {
    await withLms({ origin: 'http://localhost:8081' });
    expect(await register({ registrationToken: null })).toMatchObject({ ok: true, platform: { issuer: lms.origin } });
  });

  it('accepts a configuration that leaves out the optional lists, and names the platform by host', async () => {
    for (const field of [
      'scopes_supported',
      'response_types_supported',
      'id_token_signing_alg_values_supported',
      'token_endpoint',
      PLATFORM_CONFIGURATION,
    ]) {
      delete lms.openidConfiguration[field];
    }
    expect(await register()).toMatchObject({
      ok: true,
      platform: { tokenEndpoint: null, name: new URL(lms.origin).host },
    });
  });

  it('is refused, without any request, for a configuration URL that is not https', async () => {
    for (const url of ['http://lms.example/openid-configuration', 'not a url']) {
      expect(await register({ openidConfigurationUrl: url })).toEqual({
        ok: false,
        reason: 'invalid_configuration_url',
      });
    }
    expect(net.seen).toHaveLength(0);
  });

  it('is refused when the configuration names an issuer on another origin', async () => {
    for (const issuer of ['https://other-lms.test', `${lms.origin}:8443`, lms.origin.replace('https:', 'http:')]) {
      lms.openidConfiguration.issuer = issuer;
      expect(await register()).toMatchObject({ ok: false });
    }
    lms.openidConfiguration.issuer = 'https://other-lms.test';
    expect(await register()).toEqual({ ok: false, reason: 'issuer_mismatch' });
    expect(lms.registrations).toHaveLength(0);
  });

  const invalid: [string, unknown][] = [
    ['issuer', undefined],
    ['issuer', `${'https://lms.test'}?tenant=1`],
    ['authorization_endpoint', undefined],
    ['registration_endpoint', 42],
    ['jwks_uri', undefined],
    ['jwks_uri', 'http://lms.example/jwks'],
    ['authorization_endpoint', 'https://user:pw@lms.example/auth'],
    ['token_endpoint', 'http://lms.example/token'],
  ];
  for (const [field, value] of invalid) {
    it(`is refused with ${field} ${value === undefined ? 'missing' : JSON.stringify(value)}`, async () => {
      if (value === undefined) delete lms.openidConfiguration[field];
      else lms.openidConfiguration[field] = value;
      expect(await register()).toEqual({ ok: false, reason: 'invalid_configuration', field });
      expect(lms.registrations).toHaveLength(0);
    });
  }

  const unsupported: [string, string, unknown, string][] = [
    ['no openid scope', 'scopes_supported', ['profile'], 'openid'],
    ['no id_token responses', 'response_types_supported', ['code'], 'id_token'],
    ['only HMAC-signed tokens', 'id_token_signing_alg_values_supported', ['HS256'], 'RS256|ES256'],
    [
      'no resource link launches',
      PLATFORM_CONFIGURATION,
      { product_family_code: 'x', messages_supported: [{ type: 'LtiDeepLinkingRequest' }] },
      'LtiResourceLinkRequest',
    ],
  ];
  for (const [name, field, value, missing] of unsupported) {
    it(`is refused for a platform with ${name}`, async () => {
      lms.openidConfiguration[field] = value;
      expect(await register()).toEqual({ ok: false, reason: 'unsupported_platform', missing });
    });
  }

  it('accepts ES256 as the only signing algorithm', async () => {
    lms.openidConfiguration.id_token_signing_alg_values_supported = ['ES256'];
    expect(await register()).toMatchObject({ ok: true });
  });

  const unreachable: [string, () => void, Record<string, unknown>][] = [
    ['never answers', () => (lms.answers.openidConfiguration = { fail: 'hang' }), { cause: 'timeout' }],
    ['is down', () => (lms.answers.openidConfiguration = { fail: 'network' }), { cause: 'network' }],
    [
      'answers HTML',
      () => (lms.answers.openidConfiguration = { status: 200, text: '<html>' }),
      { cause: 'malformed', status: 200 },
    ],
  ];
  for (const [name, breakIt, expected] of unreachable) {
    it(`reports a configuration endpoint that ${name}`, async () => {
      breakIt();
      expect(await register()).toEqual({
        ok: false,
        reason: 'unreachable',
        stage: 'openid_configuration',
        ...expected,
      });
    });
  }

  it('reports a configuration endpoint that refuses', async () => {
    lms.answers.openidConfiguration = { status: 404, text: '<h1>Not found</h1>' };
    expect(await register()).toEqual({ ok: false, reason: 'configuration_refused', status: 404 });
    lms.answers.openidConfiguration = { status: 200, body: ['not', 'an', 'object'] };
    expect(await register()).toEqual({ ok: false, reason: 'invalid_configuration', field: 'body' });
  });

  it('reports a registration the platform refuses, with its OAuth error', async () => {
    expect(await register({ registrationToken: 'expired-token' })).toEqual({
      ok: false,
      reason: 'registration_refused',
      status: 401,
      error: 'invalid_token',
    });
    lms.answers.registration = { status: 500, text: '<html>Server error</html>' };
    expect(await register()).toEqual({ ok: false, reason: 'registration_refused', status: 500 });
    lms.answers.registration = { status: 400, body: { error: 'Invalid <b>redirect</b>' } };
    expect(await register()).toEqual({ ok: false, reason: 'registration_refused', status: 400 });
  });

  it('reports a registration endpoint that never answers', async () => {
    lms.answers.registration = { fail: 'hang' };
    expect(await register()).toEqual({ ok: false, reason: 'unreachable', stage: 'registration', cause: 'timeout' });
  });

  it('reports a registration answer without a client_id', async () => {
    for (const body of [{}, { client_id: '' }, { client_id: { id: 1 } }]) {
      lms.answers.registration = { status: 200, body };
      expect(await register()).toEqual({ ok: false, reason: 'invalid_registration_response', field: 'client_id' });
    }
  });

  it('ignores a malformed deployment id in the answer rather than storing it', async () => {
    lms.answers.registration = { status: 200, body: { client_id: 'c', [TOOL_CONFIGURATION]: { deployment_id: {} } } };
    expect(await register()).toMatchObject({ ok: true, platform: { clientId: 'c', deploymentIds: [] } });
  });
});
