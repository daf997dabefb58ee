import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/lib/crypto';
import { registerWithPlatform } from '../../src/lti/dynamic-registration';
import { verifyLaunch } from '../../src/lti/launch';
import { initiateLogin } from '../../src/lti/login-initiation';
import type { LtiPlatform } from '../../src/lti/platform';
import { platformKeys } from '../../src/lti/platform-keys';
import { mapLtiRoles } from '../../src/lti/roles';
import { type FakeLms, fakeLms, INSTRUCTOR, LMS_TARGET, TEACHING_ASSISTANT } from '../helpers/fake-lms';
import { fakeNetwork } from '../helpers/fake-network';

/**
 * The three steps chained the way the HTTP layer will chain them, with an in-memory map standing
 * in for the state table: the modules agree with each other and with a platform that behaves.
 */
const LAUNCH_URL = 'https://auth.test/lti/launch';
const net = fakeNetwork();
let lms: FakeLms;
let platform: LtiPlatform;
const states = new Map<string, { nonceHash: string; platformId: string; used: boolean }>();
const keys = platformKeys();

beforeEach(async () => {
  net.install();
  lms = await fakeLms(net);
  const registered = await registerWithPlatform({
    openidConfigurationUrl: lms.urls.openidConfiguration,
    registrationToken: 'token',
    tool: {
      clientName: 'Learning Platform',
      loginUrl: 'https://auth.test/lti/login',
      launchUrl: LAUNCH_URL,
      jwksUrl: 'https://auth.test/.well-known/jwks.json',
      targetLinkUri: LMS_TARGET,
    },
  });
  if (!registered.ok) throw new Error(registered.reason);
  platform = { ...registered.platform, id: crypto.randomUUID(), trustsEmails: false, roleMapping: null };
});
afterEach(() => net.reset());

async function login(): Promise<string> {
  const result = await initiateLogin({
    parameters: lms.loginParameters(),
    candidates: [platform],
    redirectUri: LAUNCH_URL,
    targetOrigins: ['http://localhost:3000'],
  });
  if (!result.ok) throw new Error(result.reason);
  states.set(result.redirect.stateHash, { nonceHash: result.redirect.nonceHash, platformId: platform.id, used: false });
  return result.redirect.url;
}

/** What POST /lti/launch will do: burn the state, then check the token against its nonce. */
async function launch(form: { id_token: string; state: string }) {
  const stored = states.get(await sha256(form.state));
  if (!stored || stored.used) return { ok: false as const, reason: 'unknown_or_used_state' };
  stored.used = true;
  return verifyLaunch({ idToken: form.id_token, platform, keys, expectedNonceHash: stored.nonceHash });
}

describe('registration, login and launch together', () => {
  it('sign a learner in from a course page', async () => {
    const answer = await lms.authorize(await login());
    if (!answer.ok) throw new Error(answer.error);
    expect(answer.redirectUri).toBe(LAUNCH_URL);
    const result = await launch(answer.form);
    expect(result).toMatchObject({ ok: true, launch: { deploymentId: lms.deploymentId, targetLinkUri: LMS_TARGET } });
    if (result.ok) expect(mapLtiRoles(result.launch.roles, platform.roleMapping).role).toBe('STUDENT');
  });

  it('give an instructor and a teaching assistant their roles', async () => {
    for (const [roles, expected] of [
      [[INSTRUCTOR], 'INSTRUCTOR'],
      [[INSTRUCTOR, TEACHING_ASSISTANT], 'TEACHING_ASSISTANT'],
    ] as const) {
      const answer = await lms.authorize(await login(), {
        claims: { 'https://purl.imsglobal.org/spec/lti/claim/roles': roles },
      });
      if (!answer.ok) throw new Error(answer.error);
      const result = await launch(answer.form);
      if (!result.ok) throw new Error(result.reason);
      expect(mapLtiRoles(result.launch.roles).role).toBe(expected);
    }
  });

  it('refuse a state used twice', async () => {
    const answer = await lms.authorize(await login());
    if (!answer.ok) throw new Error(answer.error);
    expect(await launch(answer.form)).toMatchObject({ ok: true });
    expect(await launch(answer.form)).toEqual({ ok: false, reason: 'unknown_or_used_state' });
  });

  it('refuse an id_token replayed with the state of a new login', async () => {
    const first = await lms.authorize(await login());
    const second = await lms.authorize(await login());
    if (!first.ok || !second.ok) throw new Error('authorization refused');
    expect(await launch(first.form)).toMatchObject({ ok: true });
    expect(await launch({ id_token: first.form.id_token, state: second.form.state })).toEqual({
      ok: false,
      reason: 'nonce_mismatch',
    });
  });
});
