import { env } from 'cloudflare:workers';
import { sql as drizzleSql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signInMethodCount, signInMethodsOf } from '../../src/accounts/rules';
import { findUserById } from '../../src/accounts/users';
import { openDatabase } from '../../src/db/client';
import { CLAIM } from '../../src/lti/platform';
import { call, json, PASSWORD, post, problem } from '../helpers/api';
import { type FakeLms, fakeLms, INSTRUCTOR, LEARNER, LIS, LMS_TARGET, TEACHING_ASSISTANT } from '../helpers/fake-lms';
import { fakeNetwork } from '../helpers/fake-network';
import {
  adminCall,
  codeOf,
  exchange,
  launch,
  ltiAdmin,
  type RegisteredPlatform,
  registerDynamically,
  signInFrom,
} from '../helpers/lti';
import { captureConsole } from '../helpers/mail';
import { userWithMfa } from '../helpers/mfa';
import { registerVerified, sql, uniqueEmail } from '../helpers/users';

/**
 * Who a launch signs in, over the real routes, from a fake LMS registered through dynamic
 * registration: new and returning users, roles, email trust, refused accounts, the SPA's
 * one-time code and the MFA step.
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
afterEach(() => net.reset());

/** A learner of the LMS with a stable identity (the fake mints a new `sub` per token otherwise). */
function person(overrides: Record<string, unknown> = {}) {
  const id = crypto.randomUUID().slice(0, 8);
  return { sub: `lms-user-${id}`, email: `learner.${id}@school.example`, name: `Grace Hopper ${id}`, ...overrides };
}

type Row = { id: string; email: string; role: string; password_hash: string | null; username: string };
function userBySub(sub: string) {
  return sql(
    'SELECT u.* FROM users u JOIN lti_user_links l ON l.user_id = u.id WHERE l.platform_id = ? AND l.sub = ?',
    platform.id,
    sub,
  ).first<Row>();
}

async function signedIn(response: Response) {
  expect(response.status, await response.clone().text()).toBe(200);
  return json(response);
}

async function pageOf(response: Response, reason: string, event = 'lti.launch_refused') {
  expect(response.status).toBe(400);
  expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
  const rows = await sql('SELECT details FROM audit_log WHERE event = ?', event).all<{ details: string }>();
  expect(rows.results.map((row) => JSON.parse(row.details).reason)).toContain(reason);
  return response.text();
}

describe('a new learner', () => {
  it('gets a password-less account, a one-time code on the target link, and a session with amr lti', async () => {
    const learner = person();
    const run = await launch(lms, { token: { claims: learner } });
    expect(run.launch.status).toBe(303);
    const location = new URL(run.launch.headers.get('Location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(LMS_TARGET);
    expect([...location.searchParams.keys()]).toEqual(['lti_code']);

    const body = await signedIn(await exchange(codeOf(run.launch)));
    expect(body).toMatchObject({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      message: `Signed in from ${platform.name}`,
      user: { role: 'STUDENT', is_email_verified: true, mfa_enabled: false },
    });
    expect(body.lti).toEqual({
      platform: { id: platform.id, name: platform.name, issuer: lms.issuer },
      deployment_id: lms.deploymentId,
      context: { id: 'course-7', label: 'CS101', title: 'Introduction to Computing' },
      resource_link: { id: 'resource-link-42', title: 'Week 1: Analytical Engines' },
      roles: [LEARNER, `${LIS}institution/person#Student`],
      custom: { unit: '3' },
    });

    const user = await userBySub(learner.sub);
    expect(user).toMatchObject({ id: body.user.id, password_hash: null });
    expect(user?.username).toMatch(/^Grace\.Hopper/);
    // The platform is not trusted with emails: its address never becomes a verified one of ours.
    expect(user?.email).toMatch(/^lti-[0-9a-f]{24}@lti\.invalid$/);
    const session = await sql('SELECT amr FROM sessions WHERE user_id = ?', user?.id).first<{ amr: string }>();
    expect(JSON.parse(session?.amr ?? '[]')).toEqual(['lti']);
    const history = await sql(
      'SELECT method, method_detail, success FROM login_history WHERE user_id = ?',
      user?.id,
    ).first();
    expect(history).toEqual({ method: 'lti', method_detail: platform.name, success: 1 });
    const registered = await sql(
      "SELECT details FROM audit_log WHERE event = 'user.registered' AND user_id = ?",
      user?.id,
    ).first<{ details: string }>();
    expect(JSON.parse(registered?.details ?? '{}')).toMatchObject({
      method: 'lti',
      platform_id: platform.id,
      role: 'STUDENT',
      placeholder_email: true,
    });
  });

  it('is created without a name, email or course too', async () => {
    const learner = person({ email: undefined, name: undefined, given_name: undefined, family_name: undefined });
    const body = await signedIn(
      await signInFrom(lms, { claims: { ...learner, [CLAIM.context]: undefined, [CLAIM.custom]: undefined } }),
    );
    expect(body.user.username).toMatch(/^user/);
    expect(body.lti).toMatchObject({ context: null, custom: {} });
  });
});

describe('a placeholder address', () => {
  it('is never mailed (not even a reset link), and the admin sees the platform in the sign-ins', async () => {
    const mail = captureConsole();
    const body = await signedIn(await signInFrom(lms, { claims: person() }));
    expect((await post('password/request-reset', { email: body.user.email })).status).toBe(200);
    expect(mail.emails().filter((email) => email.to === body.user.email)).toEqual([]);
    const admin = await ltiAdmin();
    const details = await json(
      await call('GET', `/api/auth/admin/users/${body.user.id}`, { token: admin.access_token }),
    );
    expect(details.last_logins[0]).toMatchObject({ method: 'lti', method_detail: platform.name, success: true });
  });
});

describe('a returning user', () => {
  it('signs in to the same account, whose role later launches never change', async () => {
    const learner = person();
    const first = await signedIn(await signInFrom(lms, { claims: learner }));
    const again = await signedIn(
      await signInFrom(lms, { claims: { ...learner, [CLAIM.roles]: [INSTRUCTOR], name: 'Someone Else' } }),
    );
    expect(again.user).toMatchObject({ id: first.user.id, role: 'STUDENT', username: first.user.username });
    expect(again.lti.roles).toEqual([INSTRUCTOR]);
    const links = await sql('SELECT count(*) AS n FROM lti_user_links WHERE platform_id = ?', platform.id).first();
    expect(links).toEqual({ n: 1 });
  });

  it('is refused while suspended, with the refusal in the history', async () => {
    const learner = person();
    const first = await signedIn(await signInFrom(lms, { claims: learner }));
    await sql('UPDATE users SET is_suspended = 1 WHERE id = ?', first.user.id).run();
    const run = await launch(lms, { token: { claims: learner } });
    expect(await pageOf(run.launch, 'account_suspended')).toContain('Your account is suspended');
    expect(
      await sql('SELECT count(*) AS n FROM lti_codes WHERE user_id = ? AND used_at IS NULL', first.user.id).first(),
    ).toEqual({ n: 0 });
    const refused = await sql(
      'SELECT method, method_detail, failure_reason FROM login_history WHERE user_id = ? AND success = 0',
      first.user.id,
    ).first();
    expect(refused).toEqual({ method: 'lti', method_detail: platform.name, failure_reason: 'account_suspended' });
  });

  it('is refused at the exchange when suspended after the launch', async () => {
    const learner = person();
    await signedIn(await signInFrom(lms, { claims: learner }));
    const run = await launch(lms, { token: { claims: learner } });
    const user = await userBySub(learner.sub);
    await sql('UPDATE users SET is_suspended = 1 WHERE id = ?', user?.id).run();
    await problem(await exchange(codeOf(run.launch)), 403, 'account_suspended');
  });

  it('is refused when disabled', async () => {
    const learner = person();
    const first = await signedIn(await signInFrom(lms, { claims: learner }));
    await sql('UPDATE users SET is_active = 0 WHERE id = ?', first.user.id).run();
    const run = await launch(lms, { token: { claims: learner } });
    expect(await pageOf(run.launch, 'account_disabled')).toContain('disabled');
  });
});

describe('roles', () => {
  const roleOf = async (roles: string[], mapping?: Record<string, string>) => {
    if (mapping) await adminCall('PATCH', `platforms/${platform.id}`, { role_mapping: mapping });
    const body = await signedIn(await signInFrom(lms, { claims: { ...person(), [CLAIM.roles]: roles } }));
    return body.user.role as string;
  };

  it('map Instructor to INSTRUCTOR, a teaching assistant to TEACHING_ASSISTANT, a content developer to CONTENT_REVIEWER', async () => {
    expect(await roleOf([INSTRUCTOR])).toBe('INSTRUCTOR');
    expect(await roleOf([INSTRUCTOR, TEACHING_ASSISTANT])).toBe('TEACHING_ASSISTANT');
    expect(await roleOf([`${LIS}membership#ContentDeveloper`])).toBe('CONTENT_REVIEWER');
  });

  it('never give more than INSTRUCTOR, even to the platform administrator', async () => {
    expect(await roleOf([`${LIS}membership#Administrator`, `${LIS}system/person#Administrator`])).toBe('INSTRUCTOR');
  });

  it("follow the platform's own mapping, which cannot name ADMIN", async () => {
    const mentor = `${LIS}membership#Mentor`;
    expect(await roleOf([mentor], { [mentor]: 'TEACHING_ASSISTANT' })).toBe('TEACHING_ASSISTANT');
    const refused = await adminCall('PATCH', `platforms/${platform.id}`, { role_mapping: { [mentor]: 'ADMIN' } });
    await problem(refused, 400, 'validation_failed');
  });
});

describe('emails', () => {
  it('link a trusted platform to the verified account with the same email; the password stays', async () => {
    await adminCall('PATCH', `platforms/${platform.id}`, { trusts_emails: true });
    const existing = await registerVerified(uniqueEmail('teacher'));
    const learner = person({ email: existing.email.toUpperCase() });
    const body = await signedIn(await signInFrom(lms, { claims: learner }));
    expect(body.user.id).toBe(existing.id);
    expect((await userBySub(learner.sub))?.password_hash).not.toBeNull();
    const linked = await sql(
      "SELECT details FROM audit_log WHERE event = 'lti.linked' AND user_id = ?",
      existing.id,
    ).first<{ details: string }>();
    expect(JSON.parse(linked?.details ?? '{}')).toMatchObject({ platform_id: platform.id, via: 'trusted_email' });
    const db = openDatabase(env.DB);
    const methods = await signInMethodsOf(db, (await findUserById(db, existing.id))!);
    expect(methods).toEqual([{ kind: 'password' }, { kind: 'lti', platformId: platform.id }]);
  });

  it('never link an untrusted platform to an existing account: it gets an account of its own', async () => {
    const existing = await registerVerified(uniqueEmail('victim'));
    const body = await signedIn(await signInFrom(lms, { claims: person({ email: existing.email }) }));
    expect(body.user.id).not.toBe(existing.id);
    expect(body.user.email).toMatch(/@lti\.invalid$/);
    expect(await sql('SELECT count(*) AS n FROM lti_user_links WHERE user_id = ?', existing.id).first()).toEqual({
      n: 0,
    });
  });

  it("give a trusted platform's address to a new account when it is free", async () => {
    await adminCall('PATCH', `platforms/${platform.id}`, { trusts_emails: true });
    const learner = person();
    const body = await signedIn(await signInFrom(lms, { claims: learner }));
    expect(body.user.email).toBe(learner.email);
  });

  it('never link to an account whose email was not verified, even from a trusted platform', async () => {
    await adminCall('PATCH', `platforms/${platform.id}`, { trusts_emails: true });
    const email = uniqueEmail('claim');
    const registered = await post('register', {
      email,
      username: `claim${crypto.randomUUID().slice(0, 6)}`,
      password: PASSWORD,
      password_confirm: PASSWORD,
    });
    expect(registered.status).toBe(201);
    const body = await signedIn(await signInFrom(lms, { claims: person({ email }) }));
    expect(body.user.email).toMatch(/@lti\.invalid$/);
  });

  it('refuse a trusted link to a locked account, and link nothing', async () => {
    await adminCall('PATCH', `platforms/${platform.id}`, { trusts_emails: true });
    const existing = await registerVerified(uniqueEmail('locked'));
    for (let attempt = 0; attempt < 5; attempt++)
      await post('login', { email: existing.email, password: 'Wrong-Pass9!' });
    const run = await launch(lms, { token: { claims: person({ email: existing.email }) } });
    expect(await pageOf(run.launch, 'account_locked')).toContain('locked');
    expect(await sql('SELECT count(*) AS n FROM lti_user_links WHERE user_id = ?', existing.id).first()).toEqual({
      n: 0,
    });
  });
});

describe('the one-time code', () => {
  it('works once', async () => {
    const run = await launch(lms, { token: { claims: person() } });
    const code = codeOf(run.launch);
    await signedIn(await exchange(code));
    await problem(await exchange(code), 400, 'invalid_token');
  });

  it('expires after a minute, and unknown codes are refused alike', async () => {
    const run = await launch(lms, { token: { claims: person() } });
    await sql('UPDATE lti_codes SET expires_at = ?', Date.now() - 1).run();
    await problem(await exchange(codeOf(run.launch)), 400, 'invalid_token');
    await problem(await exchange('made-up-code'), 400, 'invalid_token');
    await problem(await post('lti/exchange', {}), 400, 'validation_failed');
  });

  it('leads a user with MFA to the second step, keeping the launch context', async () => {
    await adminCall('PATCH', `platforms/${platform.id}`, { trusts_emails: true });
    const withMfa = await userWithMfa();
    const answer = await signInFrom(lms, { claims: person({ email: withMfa.email }) });
    const step = await problem(answer, 428, 'mfa_required');
    expect(step).toMatchObject({ requires_mfa: true, user_id: withMfa.id, lti: { platform: { id: platform.id } } });
    const done = await post('login/mfa', { mfa_token: step.mfa_token, mfa_code: withMfa.backupCodes[0] });
    expect(done.status).toBe(200);
    const session = await sql('SELECT amr FROM sessions WHERE user_id = ? ORDER BY created_at DESC', withMfa.id).first<{
      amr: string;
    }>();
    expect(JSON.parse(session?.amr ?? '[]')).toEqual(['lti', 'mfa']);
  });
});

describe('sign-in methods', () => {
  it('count an LTI link, so a password-less LTI account keeps its one way in', async () => {
    const learner = person();
    const body = await signedIn(await signInFrom(lms, { claims: learner }));
    const db = openDatabase(env.DB);
    const count = await db.get<{ n: number }>(drizzleSql`select ${signInMethodCount(body.user.id)} as n`);
    expect(count?.n).toBe(1);
    expect(await signInMethodsOf(db, (await findUserById(db, body.user.id))!)).toEqual([
      { kind: 'lti', platformId: platform.id },
    ]);
  });
});

describe('a platform registered without a deployment (Canvas)', () => {
  it('adopts the deployment of its first launch, then refuses any other until an admin adds it', async () => {
    const canvas = await fakeLms(net, { deploymentId: null, productFamilyCode: 'canvas' });
    const registered = await registerDynamically(canvas);
    expect(registered).toMatchObject({ deployment_ids: [], awaiting_deployment: true });

    const first = await launch(canvas, { token: { claims: { [CLAIM.deploymentId]: '42:course-deployment' } } });
    await signedIn(await exchange(codeOf(first.launch)));
    const adopted = (await json(await adminCall('GET', 'platforms'))).platforms.find(
      (entry: RegisteredPlatform) => entry.id === registered.id,
    );
    expect(adopted).toMatchObject({ deployment_ids: ['42:course-deployment'], awaiting_deployment: false });
    const audit = await sql("SELECT details FROM audit_log WHERE event = 'lti.deployment_adopted'").first<{
      details: string;
    }>();
    expect(JSON.parse(audit?.details ?? '{}')).toEqual({
      platform_id: registered.id,
      deployment_id: '42:course-deployment',
    });

    const other = await launch(canvas, { token: { claims: { [CLAIM.deploymentId]: '43:other' } } });
    await pageOf(other.launch, 'unknown_deployment');

    await adminCall('PATCH', `platforms/${registered.id}`, { deployment_ids: ['42:course-deployment', '43:other'] });
    const added = await launch(canvas, { token: { claims: { [CLAIM.deploymentId]: '43:other' } } });
    await signedIn(await exchange(codeOf(added.launch)));
  });

  it('lets the unsigned login hint through but adopts only what the signed launch says', async () => {
    const canvas = await fakeLms(net, { deploymentId: null, productFamilyCode: 'canvas' });
    await registerDynamically(canvas);
    const run = await launch(canvas, {
      login: { lti_deployment_id: 'hinted' },
      token: { claims: { [CLAIM.deploymentId]: 'signed' } },
    });
    expect(run.launch.status).toBe(303);
    expect(
      (await json(await adminCall('GET', 'platforms'))).platforms.find(
        (entry: RegisteredPlatform) => entry.issuer === canvas.issuer,
      ),
    ).toMatchObject({ deployment_ids: ['signed'] });
  });

  it('is not how hand-entered platforms work: those need their deployments entered', async () => {
    const manual = await fakeLms(net);
    const created = await adminCall('POST', 'platforms', {
      name: 'Hand-made',
      issuer: manual.issuer,
      client_id: manual.clientId,
      authorization_endpoint: manual.urls.authorization,
      jwks_url: manual.urls.jwks,
    });
    expect(created.status).toBe(201);
    const run = await launch(manual, { login: { lti_deployment_id: undefined } });
    await pageOf(run.launch, 'unknown_deployment');
  });
});
