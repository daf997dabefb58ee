import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/lib/crypto';
import { choosePlatform, initiateLogin, readLoginRequest } from '../../src/lti/login-initiation';
import type { LtiPlatform } from '../../src/lti/platform';
import { type FakeLms, fakeLms, LMS_TARGET } from '../helpers/fake-lms';
import { fakeNetwork } from '../helpers/fake-network';

const REDIRECT_URI = 'https://auth.test/lti/launch';
const TARGET_ORIGINS = ['http://localhost:3000'];
const net = fakeNetwork();
let lms: FakeLms;
beforeEach(async () => {
  net.install();
  lms = await fakeLms(net);
});
afterEach(() => net.reset());

const initiate = (parameters: Record<string, unknown>, candidates: LtiPlatform[] = [lms.platform()]) =>
  initiateLogin({ parameters, candidates, redirectUri: REDIRECT_URI, targetOrigins: TARGET_ORIGINS });

describe('login initiation', () => {
  it('sends the browser to the platform with every parameter OIDC and LTI require', async () => {
    const parameters = lms.loginParameters();
    const result = await initiate(parameters);
    if (!result.ok) throw new Error(result.reason);
    const url = new URL(result.redirect.url);
    expect(`${url.origin}${url.pathname}`).toBe(lms.urls.authorization);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: lms.clientId,
      redirect_uri: REDIRECT_URI,
      login_hint: parameters.login_hint,
      lti_message_hint: parameters.lti_message_hint,
      state: result.redirect.state,
      nonce: result.redirect.nonce,
    });
    expect(result.redirect.stateHash).toBe(await sha256(result.redirect.state));
    expect(result.redirect.nonceHash).toBe(await sha256(result.redirect.nonce));
    expect(result.redirect.request).toMatchObject({ targetLinkUri: LMS_TARGET, deploymentId: lms.deploymentId });
    // The platform accepts it, as a real one would.
    expect(await lms.authorize(result.redirect.url)).toMatchObject({ ok: true, redirectUri: REDIRECT_URI });
  });

  it('draws a fresh, unguessable state and nonce every time', async () => {
    const parameters = lms.loginParameters();
    const redirects = await Promise.all([1, 2, 3].map(() => initiate(parameters)));
    const values = redirects.flatMap((result) => (result.ok ? [result.redirect.state, result.redirect.nonce] : []));
    expect(new Set(values).size).toBe(6);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('keeps the query of an authorization endpoint that has one, and leaves out an absent message hint', async () => {
    const platform = lms.platform({ authorizationEndpoint: `${lms.urls.authorization}?tenant=school` });
    const result = await initiate(lms.loginParameters({ lti_message_hint: undefined }), [platform]);
    if (!result.ok) throw new Error(result.reason);
    const query = new URL(result.redirect.url).searchParams;
    expect(query.get('tenant')).toBe('school');
    expect(query.has('lti_message_hint')).toBe(false);
  });

  it('passes odd hints through unchanged', async () => {
    const hints = { login_hint: 'a b&c=d/é', lti_message_hint: '{"cmid":7,"launchid":"x+y"}' };
    const result = await initiate(lms.loginParameters(hints));
    if (!result.ok) throw new Error(result.reason);
    const query = new URL(result.redirect.url).searchParams;
    expect(query.get('login_hint')).toBe(hints.login_hint);
    expect(query.get('lti_message_hint')).toBe(hints.lti_message_hint);
  });

  for (const name of ['iss', 'login_hint', 'target_link_uri']) {
    it(`is refused without ${name}`, async () => {
      expect(await initiate(lms.loginParameters({ [name]: undefined }))).toEqual({
        ok: false,
        reason: 'missing_parameter',
        parameter: name,
      });
      expect(await initiate({ ...lms.loginParameters(), [name]: '' })).toMatchObject({ reason: 'missing_parameter' });
    });
  }

  it('is refused with a parameter that is not a string or is far too long', async () => {
    expect(await initiate({ ...lms.loginParameters(), login_hint: ['a', 'b'] })).toEqual({
      ok: false,
      reason: 'invalid_parameter',
      parameter: 'login_hint',
    });
    expect(await initiate(lms.loginParameters({ lti_message_hint: 'x'.repeat(8193) }))).toMatchObject({
      reason: 'invalid_parameter',
      parameter: 'lti_message_hint',
    });
    expect(await initiate(lms.loginParameters({ client_id: 'x'.repeat(256) }))).toMatchObject({
      reason: 'invalid_parameter',
      parameter: 'client_id',
    });
  });

  it('is refused for an unknown issuer or client', async () => {
    expect(await initiate(lms.loginParameters({ iss: 'https://other-lms.test' }))).toEqual({
      ok: false,
      reason: 'unknown_issuer',
    });
    expect(await initiate(lms.loginParameters(), [])).toEqual({ ok: false, reason: 'unknown_issuer' });
    expect(await initiate(lms.loginParameters({ client_id: 'someone-else' }))).toEqual({
      ok: false,
      reason: 'unknown_client',
    });
  });

  it('is refused for a deployment that is not registered', async () => {
    expect(await initiate(lms.loginParameters({ lti_deployment_id: 'other' }))).toEqual({
      ok: false,
      reason: 'unknown_deployment',
      deploymentId: 'other',
    });
  });

  it('is refused when the launch would land on a foreign origin', async () => {
    for (const target of ['https://evil.example/lti', 'javascript:alert(1)', 'nonsense']) {
      expect(await initiate(lms.loginParameters({ target_link_uri: target }))).toEqual({
        ok: false,
        reason: 'foreign_target',
      });
    }
  });

  it('is refused when the stored authorization endpoint is not https', async () => {
    const platform = lms.platform({ authorizationEndpoint: 'http://lms.example/auth' });
    expect(await initiate(lms.loginParameters(), [platform])).toEqual({
      ok: false,
      reason: 'insecure_authorization_endpoint',
    });
  });
});

describe('choosing the registration at a shared issuer', () => {
  const request = (clientId: string | null, deploymentId: string | null) => {
    const read = readLoginRequest({ iss: 'https://canvas.test', login_hint: 'h', target_link_uri: LMS_TARGET });
    if (!read.ok) throw new Error(read.reason);
    return { ...read.request, clientId, deploymentId };
  };
  const school = (clientId: string, deploymentIds: string[]) =>
    ({ issuer: 'https://canvas.test', clientId, deploymentIds }) as unknown as LtiPlatform;
  const candidates = [school('100', ['d-a']), school('200', ['d-b', 'd-c'])];

  it('goes by client_id when the platform sends it', () => {
    expect(choosePlatform(candidates, request('200', null))).toMatchObject({ ok: true, platform: { clientId: '200' } });
  });

  it('goes by deployment when client_id is absent', () => {
    expect(choosePlatform(candidates, request(null, 'd-c'))).toMatchObject({ ok: true, platform: { clientId: '200' } });
  });

  it('refuses to guess between registrations', () => {
    expect(choosePlatform(candidates, request(null, null))).toEqual({ ok: false, reason: 'ambiguous_client' });
    expect(choosePlatform(candidates, request(null, 'd-z'))).toEqual({ ok: false, reason: 'ambiguous_client' });
  });

  it('takes the only registration at an issuer without client_id', () => {
    expect(choosePlatform([candidates[0] as LtiPlatform], request(null, null))).toMatchObject({ ok: true });
  });

  it('ignores candidates of another issuer', () => {
    const elsewhere = { ...school('100', ['d-a']), issuer: 'https://elsewhere.test' } as LtiPlatform;
    expect(choosePlatform([elsewhere], request('100', null))).toEqual({ ok: false, reason: 'unknown_issuer' });
  });
});
