import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLAIM } from '../../src/lti/platform';
import { call } from '../helpers/api';
import { type FakeLms, fakeLms } from '../helpers/fake-lms';
import { fakeNetwork } from '../helpers/fake-network';
import {
  codeOf,
  cookieFrom,
  exchange,
  formPost,
  launch,
  ltiLogin,
  postLaunch,
  type RegisteredPlatform,
  registerDynamically,
} from '../helpers/lti';
import { captureConsole } from '../helpers/mail';
import { sql } from '../helpers/users';

/**
 * Every way a launch can be wrong, over POST /lti/launch: each is a 400 page (never a 500), an
 * audit entry with the internal reason, and no account, code or session.
 */

const net = fakeNetwork();
let lms: FakeLms;
let platform: RegisteredPlatform;
beforeEach(async () => {
  captureConsole();
  net.install();
  lms = await fakeLms(net);
  platform = await registerDynamically(lms);
});
afterEach(() => {
  net.reset();
  vi.useRealTimers();
});

async function refused(response: Response, reason: string) {
  const page = await response.text();
  expect(response.status, page).toBe(400);
  expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
  expect(response.headers.get('Location')).toBeNull();
  const entries = await sql(
    "SELECT details FROM audit_log WHERE event = 'lti.launch_refused' ORDER BY created_at",
  ).all<{ details: string }>();
  const details = entries.results.map((row) => JSON.parse(row.details) as Record<string, unknown>);
  const entry = details.find((candidate) => candidate.reason === reason);
  expect(entry, JSON.stringify(details)).toBeDefined();
  // The page says what to do, not which check failed.
  if (reason.includes('_')) expect(page).not.toContain(reason);
  return { page, entry: entry as Record<string, unknown> };
}

async function launchWith(options: Parameters<typeof launch>[1]) {
  return (await launch(lms, options)).launch;
}

const nothingIssued = async () =>
  expect(await sql('SELECT count(*) AS n FROM lti_codes WHERE platform_id = ?', platform.id).first()).toEqual({
    n: 0,
  });

describe('the state', () => {
  it('is single use: the same post twice is refused the second time', async () => {
    const run = await launch(lms);
    expect(run.launch.status).toBe(303);
    await refused(await postLaunch(run.form, run.cookie), 'used_state');
  });

  it('must be one we issued', async () => {
    const run = await launch(lms);
    const { entry } = await refused(await postLaunch({ ...run.form, state: 'made-up' }), 'unknown_state');
    expect(JSON.stringify(entry)).not.toContain(run.form.id_token.slice(0, 40));
  });

  it('expires', async () => {
    const login = await ltiLogin(lms);
    const answer = await lms.authorize(login.headers.get('Location') ?? '');
    if (!answer.ok) throw new Error(answer.error);
    await sql('UPDATE lti_login_states SET expires_at = ?', Date.now() - 1).run();
    await refused(await postLaunch(answer.form, cookieFrom(login)), 'expired_state');
    await nothingIssued();
  });

  it('carries its nonce: a token replayed with the state of another login is refused', async () => {
    const first = await launch(lms);
    expect(first.launch.status).toBe(303);
    const second = await ltiLogin(lms);
    const state = new URL(second.headers.get('Location') ?? '').searchParams.get('state') ?? '';
    await refused(await postLaunch({ id_token: first.form.id_token, state }, cookieFrom(second)), 'nonce_mismatch');
  });

  it('is bound to the browser that started the login when the browser keeps our cookie', async () => {
    const login = await ltiLogin(lms);
    const answer = await lms.authorize(login.headers.get('Location') ?? '');
    if (!answer.ok) throw new Error(answer.error);
    const [name] = (cookieFrom(login) ?? '').split('=');
    await refused(await postLaunch(answer.form, `${name}=forged`), 'state_mismatch');
  });

  it("refuses a browser that holds another login's cookie but not this one's (login CSRF)", async () => {
    // The attacker's own login and platform answer, posted from the victim's browser...
    const attackers = await ltiLogin(lms);
    const answer = await lms.authorize(attackers.headers.get('Location') ?? '');
    if (!answer.ok) throw new Error(answer.error);
    // ...which started a login of its own and so keeps our cookies.
    const victims = await ltiLogin(lms);
    await refused(await postLaunch(answer.form, cookieFrom(victims)), 'state_of_other_login');
  });

  it('still works in a frame without third-party cookies (no cookie at all)', async () => {
    const run = await launch(lms, { cookies: false });
    expect(run.launch.status).toBe(303);
  });

  it('sets a partitioned, host-only, secure cookie at login and clears it after the launch', async () => {
    const run = await launch(lms);
    const set = run.login.headers.get('Set-Cookie') ?? '';
    expect(set).toMatch(/^__Host-lti-state-[\w-]{16}=[\w-]{43}; /);
    for (const attribute of ['Path=/', 'Secure', 'HttpOnly', 'SameSite=None', 'Partitioned', 'Max-Age=600']) {
      expect(set).toContain(attribute);
    }
    expect(run.launch.headers.get('Set-Cookie')).toMatch(/^__Host-lti-state-[\w-]{16}=; Max-Age=0;/);
  });
});

describe('the id_token', () => {
  it('must be for us (aud)', async () => {
    await refused(await launchWith({ token: { claims: { aud: 'someone-else' } } }), 'wrong_audience');
    await nothingIssued();
  });

  it('must come from a registered deployment', async () => {
    const { entry } = await refused(
      await launchWith({
        login: { lti_deployment_id: undefined },
        token: { claims: { [CLAIM.deploymentId]: 'stranger' } },
      }),
      'unknown_deployment',
    );
    expect(entry).toMatchObject({ platform_id: platform.id, deployment_id: 'stranger' });
  });

  it('must not be expired', async () => {
    await refused(await launchWith({ token: { now: Date.now() - 3600_000 } }), 'expired');
  });

  it('is never accepted unsigned (alg none) or MACed (HS256)', async () => {
    await refused(await launchWith({ token: { alg: 'none' } }), 'alg_not_allowed');
    await refused(await launchWith({ token: { alg: 'HS256' } }), 'alg_not_allowed');
  });

  it('must name a key the platform publishes (unknown kid), signed by that key', async () => {
    const { entry } = await refused(await launchWith({ token: { kid: 'made-up-kid' } }), 'unknown_kid');
    expect(entry).toMatchObject({ kid: 'made-up-kid' });
    await refused(await launchWith({ token: { key: 'stranger' } }), 'bad_signature');
  });

  it('must be a resource link request of LTI 1.3.0', async () => {
    await refused(
      await launchWith({ token: { claims: { [CLAIM.messageType]: 'LtiDeepLinkingRequest' } } }),
      'wrong_message_type',
    );
  });

  it('is refused with a page when the platform key set is unreachable', async () => {
    lms.answers.jwks = { status: 500 };
    const { entry } = await refused(await launchWith({}), 'jwks_unavailable');
    expect(entry).toMatchObject({ cause: 'http_status', status: 500 });
  });

  it('is verified with the new key after the platform rotates its keys (the set is fetched again)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now());
    expect((await launchWith({})).status).toBe(303);
    expect(lms.jwksFetches).toBe(1);
    lms.rotateKey();
    // Past the refetch cool-down that keeps made-up kids from hammering the platform.
    vi.setSystemTime(Date.now() + 11_000);
    const rotated = await launchWith({});
    expect(rotated.status).toBe(303);
    expect(lms.jwksFetches).toBe(2);
    expect((await exchange(codeOf(rotated))).status).toBe(200);
  });
});

describe('the target link', () => {
  it('must be on an allowed origin, at login already', async () => {
    const login = await ltiLogin(lms, { target_link_uri: 'https://evil.example/steal' });
    expect(login.status).toBe(400);
    const audit = await sql("SELECT details FROM audit_log WHERE event = 'lti.login_refused'").first<{
      details: string;
    }>();
    expect(JSON.parse(audit?.details ?? '{}')).toMatchObject({ reason: 'foreign_target', platform_id: platform.id });
  });

  it('must be on an allowed origin in the signed launch too', async () => {
    const { entry } = await refused(
      await launchWith({ token: { claims: { [CLAIM.targetLinkUri]: 'https://evil.example/steal' } } }),
      'foreign_target',
    );
    expect(entry).toMatchObject({ target_origin: 'https://evil.example' });
    await nothingIssued();
  });

  it('follows LTI_TARGET_ORIGINS', async () => {
    const other = 'https://app.school.example';
    const env = { LTI_TARGET_ORIGINS: `http://localhost:3000,${other}` };
    const login = await call(
      'GET',
      `/lti/login?${new URLSearchParams(lms.loginParameters({ target_link_uri: `${other}/lti` }))}`,
      { env },
    );
    expect(login.status).toBe(302);
    const answer = await lms.authorize(login.headers.get('Location') ?? '', {
      claims: { [CLAIM.targetLinkUri]: `${other}/lti?from=course` },
    });
    if (!answer.ok) throw new Error(answer.error);
    const launched = await call('POST', '/lti/launch', formPost(answer.form, { env }));
    expect(launched.status).toBe(303);
    const location = new URL(launched.headers.get('Location') ?? '');
    expect(location.origin).toBe(other);
    expect(location.searchParams.get('from')).toBe('course');
  });
});

describe('the form post', () => {
  it('must be a form with both fields', async () => {
    const run = await launch(lms);
    const asJson = await call('POST', '/lti/launch', { body: run.form });
    await refused(asJson, 'unsupported_media_type');
    await refused(await call('POST', '/lti/launch', formPost({ state: run.form.state })), 'missing_parameter');
  });

  it('is bounded', async () => {
    const huge = await call('POST', '/lti/launch', formPost({ id_token: 'x'.repeat(100 * 1024), state: 's' }));
    await refused(huge, 'payload_too_large');
  });

  it('is rate limited per IP with a page', async () => {
    const options = formPost(
      { id_token: 'a', state: 'b' },
      { env: { RATE_LIMIT_LTI_IP: '2/60' }, headers: { 'CF-Connecting-IP': '198.51.100.77' } },
    );
    await call('POST', '/lti/launch', options);
    await call('POST', '/lti/launch', options);
    const limited = await call('POST', '/lti/launch', options);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(limited.headers.get('Retry-After')).toMatch(/^\d+$/);
  });
});

describe('audit entries of refusals', () => {
  it('never hold the id_token, the state or the code', async () => {
    const run = await launch(lms, { token: { claims: { aud: 'someone-else' } } });
    const rows = await sql("SELECT details FROM audit_log WHERE event LIKE 'lti.%'").all<{ details: string }>();
    const text = JSON.stringify(rows.results);
    expect(text).not.toContain(run.form.state);
    expect(text).not.toContain(run.form.id_token.split('.')[1]?.slice(0, 30));
  });
});
