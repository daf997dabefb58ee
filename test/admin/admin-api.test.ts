import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROLES, type Role } from '../../src/db/schema';
import { get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { codeAt } from '../helpers/mfa';
import { account, staff } from '../helpers/staff';
import { login, registerVerified, signedInUser, sql, uniqueEmail, usernameFor } from '../helpers/users';

// Every test here builds staff accounts through the whole MFA sign-in (about a dozen requests each):
// on a busy machine that takes longer than the 5 s default, so the file has an explicit budget.
vi.setConfig({ testTimeout: 60_000 });

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => vi.useRealTimers());

const admin = (path: string) => `admin/${path}`;
const auditOf = async (event: string, targetId: string) =>
  (
    await sql('SELECT actor_id, details FROM audit_log WHERE event = ? AND user_id = ?', event, targetId).all<{
      actor_id: string;
      details: string | null;
    }>()
  ).results;

const ACTIONS: Array<{ name: string; path: (id: string) => string; method: 'GET' | 'POST'; body?: unknown }> = [
  { name: 'read', method: 'GET', path: (id) => `users/${id}` },
  { name: 'change role', method: 'POST', path: (id) => `users/${id}/role`, body: { role: 'INSTRUCTOR' } },
  { name: 'suspend', method: 'POST', path: (id) => `users/${id}/suspend`, body: {} },
  { name: 'unsuspend', method: 'POST', path: (id) => `users/${id}/unsuspend`, body: {} },
  { name: 'unlock', method: 'POST', path: (id) => `users/${id}/unlock`, body: {} },
  { name: 'revoke sessions', method: 'POST', path: (id) => `users/${id}/revoke-sessions`, body: {} },
  // State decides the answer when allowed (the target is verified and has no MFA): 409 and 400.
  { name: 'resend verification', method: 'POST', path: (id) => `users/${id}/resend-verification`, body: {} },
  { name: 'reset MFA', method: 'POST', path: (id) => `users/${id}/reset-mfa`, body: {} },
];
const ALLOWED_STATUS: Record<string, number> = { 'resend verification': 409, 'reset MFA': 400 };

/** Who may do each action to a STUDENT, per the issue. */
const MAY: Record<string, Role[]> = {
  read: ['SUPER_ADMIN', 'ADMIN', 'SUPPORT', 'MODERATOR'],
  'change role': ['SUPER_ADMIN', 'ADMIN'],
  suspend: ['SUPER_ADMIN', 'ADMIN', 'MODERATOR'],
  unsuspend: ['SUPER_ADMIN', 'ADMIN', 'MODERATOR'],
  unlock: ['SUPER_ADMIN', 'ADMIN', 'SUPPORT'],
  'revoke sessions': ['SUPER_ADMIN', 'ADMIN', 'SUPPORT'],
  'resend verification': ['SUPER_ADMIN', 'ADMIN', 'SUPPORT'],
  'reset MFA': ['SUPER_ADMIN', 'ADMIN', 'SUPPORT'],
};

async function act(token: string, action: (typeof ACTIONS)[number], targetId: string) {
  return action.method === 'GET'
    ? get(admin(action.path(targetId)), { token })
    : post(admin(action.path(targetId)), action.body, { token });
}

describe('admin API permissions over HTTP', () => {
  // Nine staff accounts through the MFA sign-in, and 90 admin calls: slow on a busy machine.
  it('walks every role against every action on a STUDENT account', { timeout: 120_000 }, async () => {
    for (const role of ROLES) {
      const target = await account('STUDENT');
      const actor = await staff(role);
      for (const action of ACTIONS) {
        const response = await act(actor.access_token, action, target.id);
        const allowed = MAY[action.name]!.includes(role);
        expect(response.status, `${role} ${action.name}`).toBe(allowed ? (ALLOWED_STATUS[action.name] ?? 200) : 403);
      }
      const list = await get(admin('users'), { token: actor.access_token });
      expect(list.status, `${role} list`).toBe(MAY.read!.includes(role) ? 200 : 403);
      const audit = await get(admin('audit'), { token: actor.access_token });
      expect(audit.status, `${role} audit`).toBe(['SUPER_ADMIN', 'ADMIN'].includes(role) ? 200 : 403);
    }
  });

  it('keeps ADMIN, SUPPORT and MODERATOR off SUPER_ADMIN and ADMIN accounts', async () => {
    const superAdmin = await account('SUPER_ADMIN');
    const otherAdmin = await account('ADMIN');
    const actors = {
      ADMIN: await staff('ADMIN'),
      SUPPORT: await staff('SUPPORT'),
      MODERATOR: await staff('MODERATOR'),
    };
    for (const target of [superAdmin, otherAdmin]) {
      for (const actor of Object.values(actors)) {
        for (const action of ACTIONS.filter((a) => a.name !== 'read')) {
          await problem(await act(actor.access_token, action, target.id), 403, 'forbidden');
        }
        expect((await act(actor.access_token, ACTIONS[0]!, target.id)).status).toBe(200);
      }
    }
  });

  it('lets MODERATOR suspend students only', async () => {
    const moderator = await staff('MODERATOR');
    for (const role of ROLES) {
      const target = await account(role);
      const response = await post(admin(`users/${target.id}/suspend`), {}, { token: moderator.access_token });
      expect(response.status, role).toBe(role === 'STUDENT' || role === 'STUDENT_PREMIUM' ? 200 : 403);
    }
  });

  it('never lets anyone change their own role or suspend themselves', async () => {
    const superAdmin = await staff('SUPER_ADMIN');
    await problem(
      await post(admin(`users/${superAdmin.id}/role`), { role: 'STUDENT' }, { token: superAdmin.access_token }),
      403,
      'forbidden',
    );
    await problem(
      await post(admin(`users/${superAdmin.id}/suspend`), {}, { token: superAdmin.access_token }),
      403,
      'forbidden',
    );
    const adminUser = await staff('ADMIN');
    await problem(
      await post(admin(`users/${adminUser.id}/role`), { role: 'SUPER_ADMIN' }, { token: adminUser.access_token }),
      403,
      'forbidden',
    );
  });

  it('lets ADMIN grant any role but SUPER_ADMIN and ADMIN; SUPER_ADMIN grants anything', async () => {
    const adminUser = await staff('ADMIN');
    for (const role of ROLES) {
      const target = await account('STUDENT');
      const response = await post(admin(`users/${target.id}/role`), { role }, { token: adminUser.access_token });
      expect(response.status, role).toBe(role === 'SUPER_ADMIN' || role === 'ADMIN' ? 403 : 200);
    }
    const superAdmin = await staff('SUPER_ADMIN');
    const promoted = await account('STUDENT');
    const response = await post(
      admin(`users/${promoted.id}/role`),
      { role: 'ADMIN' },
      { token: superAdmin.access_token },
    );
    expect((await json(response)).user.role).toBe('ADMIN');
  });

  it('requires a session signed in with MFA from SUPER_ADMIN, ADMIN, SUPPORT and MODERATOR (configurable)', async () => {
    for (const role of ['SUPER_ADMIN', 'ADMIN', 'SUPPORT', 'MODERATOR'] as const) {
      const noMfa = await staff(role, { mfa: false });
      const body = await problem(await get(admin('users'), { token: noMfa.access_token }), 403, 'mfa_required');
      expect(body.detail).toMatch(/two-factor/);
      const relaxed = await get(admin('users'), {
        token: noMfa.access_token,
        env: { ADMIN_MFA_REQUIRED_ROLES: 'SUPER_ADMIN' },
      });
      expect(relaxed.status, role).toBe(role === 'SUPER_ADMIN' ? 403 : 200);
    }
    await problem(
      await get(admin('users'), {
        token: (await staff('ADMIN')).access_token,
        env: { ADMIN_MFA_REQUIRED_ROLES: 'ADMIN,KING' },
      }),
      503,
      'service_unavailable',
    );
  });

  it('checks the session, not the account: a password-only session stays out after MFA is turned on', async () => {
    const user = await signedInUser();
    const older = await login(user.email);
    await sql("UPDATE users SET role = 'ADMIN' WHERE id = ?", user.id).run();
    const setup = await json(await post('mfa/enable/', undefined, { token: user.access_token }));
    const code = codeAt(setup.secret, Date.now());
    expect((await post('mfa/verify/', { code }, { token: user.access_token })).status).toBe(200);
    // The session that turned MFA on signed in with the password alone: still not admin-capable.
    const body = await problem(await get(admin('users'), { token: user.access_token }), 403, 'mfa_required');
    expect(body.detail).toMatch(/sign in again/i);
    // Every other session ended when MFA was turned on.
    await problem(await get('me', { token: older.access_token }), 401, 'unauthorized');
    await problem(await post('refresh', { refresh_token: older.refresh_token }), 401, 'invalid_refresh_token');
    // A new sign-in through the MFA step is.
    const challenge = await json(await post('login', { email: user.email, password: PASSWORD }));
    const signedIn = await json(
      await post('login/mfa', { mfa_token: challenge.mfa_token, mfa_code: setup.backup_codes[0] }),
    );
    expect((await get(admin('users'), { token: signedIn.access_token })).status).toBe(200);
    const claims = JSON.parse(atob(signedIn.access_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    expect(claims.amr).toEqual(['password', 'mfa']);
  });

  it('keeps SUPPORT to learners and teaching staff, and nobody resets their own MFA', async () => {
    const support = await staff('SUPPORT');
    for (const role of ['SUPPORT', 'MODERATOR', 'ADMIN', 'SUPER_ADMIN'] as const) {
      const peer = await staff(role);
      for (const action of ['unlock', 'revoke-sessions', 'reset-mfa', 'resend-verification']) {
        await problem(
          await post(admin(`users/${peer.id}/${action}`), {}, { token: support.access_token }),
          403,
          'forbidden',
        );
      }
      expect((await get('me', { token: peer.access_token })).status).toBe(200);
    }
    for (const role of [
      'STUDENT',
      'STUDENT_PREMIUM',
      'INSTRUCTOR',
      'TEACHING_ASSISTANT',
      'CONTENT_REVIEWER',
    ] as const) {
      const learner = await staff(role);
      expect((await post(admin(`users/${learner.id}/reset-mfa`), {}, { token: support.access_token })).status).toBe(
        200,
      );
    }
    for (const role of ['SUPPORT', 'ADMIN', 'SUPER_ADMIN'] as const) {
      const self = role === 'SUPPORT' ? support : await staff(role);
      await problem(
        await post(admin(`users/${self.id}/reset-mfa`), {}, { token: self.access_token }),
        403,
        'forbidden',
      );
      expect((await json(await get('me', { token: self.access_token }))).mfa_enabled).toBe(true);
    }
  }, 120_000);

  it('needs a token, and answers 404 for unknown users', async () => {
    await problem(await get(admin('users')), 401, 'unauthorized');
    const superAdmin = await staff('SUPER_ADMIN');
    await problem(
      await get(admin(`users/${crypto.randomUUID()}`), { token: superAdmin.access_token }),
      404,
      'not_found',
    );
    const malformed = await problem(
      await get(admin('users/nope'), { token: superAdmin.access_token }),
      400,
      'validation_failed',
    );
    expect(malformed.errors).toEqual([{ field: 'id', message: 'Must be a user id (UUID)' }]);
    await problem(
      await post(admin(`users/${superAdmin.id}/role`), { role: 'KING' }, { token: superAdmin.access_token }),
      400,
      'validation_failed',
    );
  });
});

describe('admin actions', () => {
  it('suspension kills every live session at once; sign-in is then 403 account_suspended', async () => {
    const moderator = await staff('MODERATOR');
    const target = await signedInUser();
    const second = await login(target.email);
    const response = await post(
      admin(`users/${target.id}/suspend`),
      { reason: 'spam' },
      { token: moderator.access_token },
    );
    expect(await json(response)).toEqual({ message: 'User suspended', sessions_revoked: 2 });
    await problem(await get('me', { token: target.access_token }), 401, 'unauthorized');
    await problem(await post('refresh', { refresh_token: second.refresh_token }), 401, 'invalid_refresh_token');
    await problem(await post('login', { email: target.email, password: PASSWORD }), 403, 'account_suspended');
    const [entry] = await auditOf('admin.user_suspended', target.id);
    expect(entry?.actor_id).toBe(moderator.id);
    expect(JSON.parse(entry!.details!)).toEqual({ reason: 'spam', sessions_revoked: 2 });

    expect((await post(admin(`users/${target.id}/unsuspend`), {}, { token: moderator.access_token })).status).toBe(200);
    expect((await post('login', { email: target.email, password: PASSWORD })).status).toBe(200);
    expect(await auditOf('admin.user_unsuspended', target.id)).toHaveLength(1);
  });

  it('unlock clears the Durable Object lockout', async () => {
    const support = await staff('SUPPORT');
    const target = await registerVerified();
    for (let i = 0; i < 5; i++) await post('login', { email: target.email, password: 'Wrong-Password1!' });
    await problem(await post('login', { email: target.email, password: PASSWORD }), 423, 'account_locked');
    const details = await json(await get(admin(`users/${target.id}`), { token: support.access_token }));
    expect(details.lock).toEqual({ failed_attempts: 5, locked_until: expect.any(String) });
    expect((await post(admin(`users/${target.id}/unlock`), {}, { token: support.access_token })).status).toBe(200);
    expect((await post('login', { email: target.email, password: PASSWORD })).status).toBe(200);
    expect((await auditOf('admin.user_unlocked', target.id))[0]?.actor_id).toBe(support.id);
  });

  it('a role change is in force on the next request and in the JWT after the next refresh', async () => {
    const superAdmin = await staff('SUPER_ADMIN');
    const target = await signedInUser();
    await post(admin(`users/${target.id}/role`), { role: 'TEACHING_ASSISTANT' }, { token: superAdmin.access_token });
    expect((await json(await get('me', { token: target.access_token }))).role).toBe('TEACHING_ASSISTANT');
    const refreshed = await json(await post('refresh', { refresh_token: target.refresh_token }));
    const claims = JSON.parse(atob(refreshed.access_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    expect(claims.role).toBe('TEACHING_ASSISTANT');
    const [entry] = await auditOf('admin.role_changed', target.id);
    expect(JSON.parse(entry!.details!)).toEqual({ from: 'STUDENT', to: 'TEACHING_ASSISTANT' });
  });

  it('revokes all sessions, resets MFA and resends verification, each audited with the actor', async () => {
    const support = await staff('SUPPORT');
    const target = await staff('STUDENT');
    expect(
      await json(await post(admin(`users/${target.id}/revoke-sessions`), {}, { token: support.access_token })),
    ).toEqual({
      message: '1 sessions revoked successfully',
      revoked: 1,
    });
    await problem(await get('me', { token: target.access_token }), 401, 'unauthorized');

    expect((await post(admin(`users/${target.id}/reset-mfa`), {}, { token: support.access_token })).status).toBe(200);
    expect((await post('login', { email: target.email, password: PASSWORD })).status).toBe(200);
    await problem(
      await post(admin(`users/${target.id}/reset-mfa`), {}, { token: support.access_token }),
      400,
      'mfa_not_enabled',
    );

    const email = uniqueEmail();
    await post('register', { email, username: usernameFor(email), password: PASSWORD, password_confirm: PASSWORD });
    const unverified = await sql('SELECT id FROM users WHERE email = ?', email).first<{ id: string }>();
    expect(
      (await post(admin(`users/${unverified!.id}/resend-verification`), {}, { token: support.access_token })).status,
    ).toBe(200);
    expect(logs.emails().filter((mail) => mail.to === email)).toHaveLength(2);
    await problem(
      await post(admin(`users/${target.id}/resend-verification`), {}, { token: support.access_token }),
      409,
      'conflict',
    );

    for (const event of ['admin.sessions_revoked', 'admin.mfa_reset']) {
      expect((await auditOf(event, target.id))[0]?.actor_id).toBe(support.id);
    }
    expect((await auditOf('admin.verification_resent', unverified!.id))[0]?.actor_id).toBe(support.id);
  });

  it("shows one user's details: sessions, lock, MFA, providers, last logins", async () => {
    const superAdmin = await staff('SUPER_ADMIN');
    const target = await signedInUser();
    await sql(
      "INSERT INTO oauth_accounts (id, user_id, provider, provider_account_id, created_at) VALUES (?, ?, 'GITHUB', '42', ?)",
      crypto.randomUUID(),
      target.id,
      Date.now(),
    ).run();
    const details = await json(await get(admin(`users/${target.id}/`), { token: superAdmin.access_token }));
    expect(details).toMatchObject({
      user: { id: target.id, email: target.email },
      has_password: true,
      lock: { failed_attempts: 0, locked_until: null },
      mfa_enabled: false,
      linked_providers: [{ provider: 'GITHUB', linked_at: expect.any(String) }],
    });
    expect(details.sessions).toHaveLength(1);
    expect(details.last_logins[0]).toMatchObject({ success: true, method: 'password' });
    expect(JSON.stringify(details)).not.toContain(target.refresh_token);
    expect(JSON.stringify(details)).not.toContain('password_hash');
  });
});

describe('listing and searching users', () => {
  it('searches by email or username prefix, role and status, with cursor pagination', async () => {
    const superAdmin = await staff('SUPER_ADMIN');
    const tag = `zz${crypto.randomUUID().slice(0, 6)}`;
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const email = `${tag}.${i}@example.com`;
      await post('register', { email, username: `${tag}_${i}`, password: PASSWORD, password_confirm: PASSWORD });
      made.push(email);
    }
    await sql("UPDATE users SET role = 'INSTRUCTOR', is_email_verified = 1 WHERE email = ?", made[0]).run();
    const token = superAdmin.access_token;

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await json(
        await get(admin(`users?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ''}`), { token }),
      );
      expect(page.users.length).toBeLessThanOrEqual(2);
      seen.push(...page.users.map((user: { email: string }) => user.email));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(made.sort());

    const byUsername = await json(await get(admin(`users?q=${tag.toUpperCase()}_3`), { token }));
    expect(byUsername.users.map((u: { email: string }) => u.email)).toEqual([made[3]]);
    const instructors = await json(await get(admin(`users?q=${tag}&role=INSTRUCTOR`), { token }));
    expect(instructors.users.map((u: { email: string }) => u.email)).toEqual([made[0]]);
    const unverified = await json(await get(admin(`users?q=${tag}&status=unverified`), { token }));
    expect(unverified.users).toHaveLength(4);
    await problem(await get(admin('users?status=weird'), { token }), 400, 'validation_failed');
    await problem(await get(admin('users?cursor=garbage'), { token }), 400, 'validation_failed');
    await problem(await get(admin('users?limit=1000'), { token }), 400, 'validation_failed');
  });

  it('reads the audit log with filters by user, actor, event and time', async () => {
    const superAdmin = await staff('SUPER_ADMIN');
    const target = await account();
    await post(admin(`users/${target.id}/suspend`), {}, { token: superAdmin.access_token });
    await post(admin(`users/${target.id}/unsuspend`), {}, { token: superAdmin.access_token });
    const token = superAdmin.access_token;
    const byUser = await json(await get(admin(`audit?user_id=${target.id}&event=admin.user_suspended`), { token }));
    expect(byUser.entries).toHaveLength(1);
    expect(byUser.entries[0]).toMatchObject({
      event: 'admin.user_suspended',
      user_id: target.id,
      actor_id: superAdmin.id,
    });
    const byActor = await json(await get(admin(`audit?actor_id=${superAdmin.id}&limit=100`), { token }));
    expect(byActor.entries.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining(['admin.user_suspended', 'admin.user_unsuspended']),
    );
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await json(await get(admin(`audit?from=${future}`), { token }))).entries).toHaveLength(0);
    const paged = await json(await get(admin(`audit?user_id=${target.id}&limit=1`), { token }));
    expect(paged.next_cursor).toEqual(expect.any(String));
    await problem(await get(admin('audit?from=yesterday'), { token }), 400, 'validation_failed');
  });
});
