import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/lib/crypto';
import { verifyLaunch } from '../../src/lti/launch';
import { CLAIM } from '../../src/lti/platform';
import { type PlatformKeys, platformKeys } from '../../src/lti/platform-keys';
import { type FakeLms, fakeLms, type IdTokenOptions, INSTRUCTOR, LMS_TARGET } from '../helpers/fake-lms';
import { fakeNetwork } from '../helpers/fake-network';

const net = fakeNetwork();
let lms: FakeLms;
let keys: PlatformKeys;
beforeEach(async () => {
  net.install();
  lms = await fakeLms(net);
  keys = platformKeys();
});
afterEach(() => net.reset());

const verify = (idToken: string, extra: Partial<Parameters<typeof verifyLaunch>[0]> = {}) =>
  verifyLaunch({ idToken, platform: lms.platform(), keys, ...extra });
const launchWith = async (options: IdTokenOptions, extra: Partial<Parameters<typeof verifyLaunch>[0]> = {}) =>
  verify(await lms.idToken(options), extra);

describe('a valid launch', () => {
  it('is read into the user, the course, the resource link and the custom parameters', async () => {
    const claims = lms.launchClaims();
    const result = await launchWith({ claims: { ...claims, email: 'Ada.Lovelace@School.Example ' } });
    expect(result).toEqual({
      ok: true,
      launch: {
        issuer: lms.issuer,
        clientId: lms.clientId,
        deploymentId: lms.deploymentId,
        sub: claims.sub,
        name: 'Ada Lovelace',
        givenName: 'Ada',
        familyName: 'Lovelace',
        email: 'ada.lovelace@school.example',
        roles: claims[CLAIM.roles],
        context: { id: 'course-7', label: 'CS101', title: 'Introduction to Computing' },
        resourceLink: { id: 'resource-link-42', title: 'Week 1: Analytical Engines' },
        custom: { unit: '3' },
        targetLinkUri: LMS_TARGET,
        nonce: claims.nonce,
      },
    });
  });

  it('keeps what is optional optional: no names, no email, no course, odd custom values', async () => {
    const result = await launchWith({
      claims: {
        name: undefined,
        given_name: 42,
        family_name: '   ',
        email: 'not an email',
        [CLAIM.context]: undefined,
        [CLAIM.resourceLink]: { id: 'rl' },
        [CLAIM.custom]: { kept: 'yes', number: 3, nested: { a: 1 } },
        [CLAIM.roles]: [],
      },
    });
    expect(result).toMatchObject({
      ok: true,
      launch: {
        name: null,
        givenName: null,
        familyName: null,
        email: null,
        context: null,
        resourceLink: { id: 'rl', title: null },
        custom: { kept: 'yes' },
        roles: [],
      },
    });
  });

  it('is accepted signed with ES256', async () => {
    expect(await launchWith({ key: 'ec' })).toMatchObject({ ok: true });
  });

  it('is accepted with several audiences when azp names us', async () => {
    const result = await launchWith({ claims: { aud: ['another-tool', lms.clientId], azp: lms.clientId } });
    expect(result).toMatchObject({ ok: true, launch: { clientId: lms.clientId } });
  });

  it('is accepted with the nonce issued for its state', async () => {
    const nonce = crypto.randomUUID();
    expect(await launchWith({ claims: { nonce } }, { expectedNonceHash: await sha256(nonce) })).toMatchObject({
      ok: true,
      launch: { nonce },
    });
  });

  it('is accepted from a platform whose clock is a little off', async () => {
    const now = Date.now();
    expect(await launchWith({ now: now + 50_000 }, { now })).toMatchObject({ ok: true });
    const expiredJustNow = { exp: Math.floor(now / 1000) - 30 };
    expect(await launchWith({ claims: expiredJustNow, now: now - 60_000 }, { now })).toMatchObject({ ok: true });
  });

  it('is accepted after the platform rotated its key, by refetching its key set', async () => {
    let clock = Date.now();
    const rotatingKeys = platformKeys({ now: () => clock, refetchCooldownMs: 10_000 });
    expect(await launchWith({}, { keys: rotatingKeys })).toMatchObject({ ok: true });
    lms.rotateKey();
    clock += 10_000;
    expect(await launchWith({}, { keys: rotatingKeys, now: clock })).toMatchObject({ ok: true });
    expect(lms.jwksFetches).toBe(2);
  });
});

describe('a launch is refused', () => {
  it('when its audience is another tool', async () => {
    expect(await launchWith({ claims: { aud: 'another-tool' } })).toEqual({ ok: false, reason: 'wrong_audience' });
    expect(await launchWith({ claims: { aud: ['another-tool'] } })).toEqual({ ok: false, reason: 'wrong_audience' });
    expect(await launchWith({ claims: { aud: undefined } })).toEqual({ ok: false, reason: 'wrong_audience' });
  });

  it('when it has several audiences and no azp, or azp names another client', async () => {
    const audiences = [lms.clientId, 'another-tool'];
    expect(await launchWith({ claims: { aud: audiences } })).toEqual({ ok: false, reason: 'missing_azp' });
    expect(await launchWith({ claims: { aud: audiences, azp: 'another-tool' } })).toEqual({
      ok: false,
      reason: 'wrong_azp',
    });
    expect(await launchWith({ claims: { azp: 'another-tool' } })).toEqual({ ok: false, reason: 'wrong_azp' });
  });

  it('when it comes from another issuer', async () => {
    expect(await launchWith({ claims: { iss: `${lms.issuer}/` } })).toEqual({ ok: false, reason: 'wrong_issuer' });
  });

  it('from a deployment that is not registered', async () => {
    expect(await launchWith({ claims: { [CLAIM.deploymentId]: 'another-deployment' } })).toEqual({
      ok: false,
      reason: 'unknown_deployment',
      deploymentId: 'another-deployment',
    });
    expect(await launchWith({}, { platform: lms.platform({ deploymentIds: [] }) })).toMatchObject({
      reason: 'unknown_deployment',
    });
  });

  it('when expired, issued in the future, too old or not yet valid', async () => {
    const now = Date.now();
    const seconds = Math.floor(now / 1000);
    expect(await launchWith({ claims: { exp: seconds - 61 } }, { now })).toEqual({ ok: false, reason: 'expired' });
    expect(await launchWith({ now: now + 61_000 }, { now })).toEqual({ ok: false, reason: 'issued_in_future' });
    expect(await launchWith({ claims: { iat: seconds - 661 } }, { now })).toEqual({ ok: false, reason: 'too_old' });
    expect(await launchWith({ claims: { nbf: seconds + 120 } }, { now })).toEqual({
      ok: false,
      reason: 'not_yet_valid',
    });
    expect(await launchWith({}, { now: now + 10 * 60_000 })).toEqual({ ok: false, reason: 'expired' });
  });

  it('unsigned (alg none), without fetching any key', async () => {
    expect(await launchWith({ alg: 'none' })).toEqual({ ok: false, reason: 'alg_not_allowed', alg: 'none' });
    expect(lms.jwksFetches).toBe(0);
  });

  it('MACed with a shared secret (HS256)', async () => {
    expect(await launchWith({ alg: 'HS256' })).toEqual({ ok: false, reason: 'alg_not_allowed', alg: 'HS256' });
  });

  it('signed with a key the platform does not publish', async () => {
    expect(await launchWith({ kid: 'lms-key-9' })).toEqual({ ok: false, reason: 'unknown_kid', kid: 'lms-key-9' });
    expect(await launchWith({ kid: null })).toEqual({ ok: false, reason: 'missing_kid' });
  });

  it('signed with another key under a published kid, or altered after signing', async () => {
    expect(await launchWith({ key: 'stranger' })).toEqual({ ok: false, reason: 'bad_signature' });
    const [header, , signature] = (await lms.idToken()).split('.');
    const forged = btoa(JSON.stringify({ ...lms.launchClaims(), sub: 'someone-else' })).replace(/=+$/, '');
    expect(await verify(`${header}.${forged}.${signature}`)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('when the token is not a JWS at all', async () => {
    const oversized = `${(await lms.idToken()).split('.')[0]}.${'a'.repeat(70_000)}.sig`;
    for (const token of ['', 'not-a-jwt', 'a.b.c', 'e30.e30', oversized]) {
      expect(await verify(token)).toEqual({ ok: false, reason: 'malformed_token' });
    }
  });

  it('when its platform key set cannot be read', async () => {
    lms.answers.jwks = { status: 500, text: '' };
    expect(await launchWith({})).toEqual({ ok: false, reason: 'jwks_unavailable', cause: 'http_status', status: 500 });
  });

  it('without a nonce, or with the nonce of another login (a replay)', async () => {
    expect(await launchWith({ claims: { nonce: undefined } })).toEqual({ ok: false, reason: 'missing_nonce' });
    expect(await launchWith({ claims: { nonce: '' } })).toEqual({ ok: false, reason: 'missing_nonce' });
    const expectedNonceHash = await sha256('the nonce of this login');
    expect(await launchWith({ claims: { nonce: 'a nonce seen before' } }, { expectedNonceHash })).toEqual({
      ok: false,
      reason: 'nonce_mismatch',
    });
  });

  it('of another LTI version or message type', async () => {
    expect(await launchWith({ claims: { [CLAIM.version]: '1.1' } })).toEqual({
      ok: false,
      reason: 'wrong_version',
      version: '1.1',
    });
    expect(await launchWith({ claims: { [CLAIM.messageType]: 'LtiDeepLinkingRequest' } })).toEqual({
      ok: false,
      reason: 'wrong_message_type',
      messageType: 'LtiDeepLinkingRequest',
    });
  });

  const required = [
    'exp',
    'iat',
    'sub',
    CLAIM.version,
    CLAIM.messageType,
    CLAIM.deploymentId,
    CLAIM.roles,
    CLAIM.resourceLink,
    CLAIM.targetLinkUri,
  ];
  for (const claim of required) {
    it(`without ${claim}`, async () => {
      expect(await launchWith({ claims: { [claim]: undefined } })).toEqual({
        ok: false,
        reason: 'missing_claim',
        claim,
      });
    });
  }

  const invalid: [string, unknown][] = [
    ['sub', ''],
    ['sub', 'x'.repeat(256)],
    [CLAIM.deploymentId, 7],
    [CLAIM.roles, INSTRUCTOR],
    [CLAIM.resourceLink, { title: 'no id' }],
    [CLAIM.targetLinkUri, 'not a url'],
    [CLAIM.context, { label: 'no id' }],
  ];
  for (const [claim, value] of invalid) {
    it(`with an invalid ${claim} (${JSON.stringify(value).slice(0, 30)})`, async () => {
      expect(await launchWith({ claims: { [claim]: value } })).toEqual({ ok: false, reason: 'invalid_claim', claim });
    });
  }
});
