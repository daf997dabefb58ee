import { beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../../src/db/schema';
import { del, get, json, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { assertion, passkeySignIn, withPasskey } from '../helpers/passkeys';
import { account, staff } from '../helpers/staff';
import { login, sql } from '../helpers/users';

beforeEach(() => {
  captureConsole();
});

/** An account of `role` with one passkey (and its password). */
async function holder(role: Role = 'STUDENT') {
  const user = await account(role);
  const { access_token } = await login(user.email);
  const { authenticator, passkey } = await withPasskey(access_token, {}, { name: 'Phone' });
  return { ...user, authenticator, passkey };
}

const remove = (token: string, userId: string, passkeyId: string) =>
  del(`admin/users/${userId}/passkeys/${passkeyId}/`, { token });

describe('passkeys in the admin API', () => {
  it("lists a user's passkey metadata in the user details", async () => {
    const admin = await staff('ADMIN');
    const target = await holder();
    const details = await json(await get(`admin/users/${target.id}`, { token: admin.access_token }));
    expect(details.passkeys).toEqual([
      {
        id: target.passkey.id,
        name: 'Phone',
        created_at: expect.any(String),
        last_used_at: null,
        backed_up: true,
        device_type: 'multiDevice',
        aaguid: '00000000-0000-0000-0000-000000000000',
      },
    ]);
  });

  it('deletes a passkey, audited with the actor; it no longer signs in', async () => {
    const admin = await staff('SUPER_ADMIN');
    const target = await holder();
    const response = await remove(admin.access_token, target.id, target.passkey.id);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ message: 'Passkey deleted' });
    const audit = await sql(
      "SELECT actor_id, details FROM audit_log WHERE event = 'admin.passkey_deleted' AND user_id = ?",
      target.id,
    ).first<{ actor_id: string; details: string }>();
    expect(audit?.actor_id).toBe(admin.id);
    expect(JSON.parse(audit!.details)).toEqual({ id: target.passkey.id, name: 'Phone' });
    await problem(await passkeySignIn(await assertion(target.authenticator)), 400, 'invalid_credentials');
  });

  it.each<[Role, Role, number]>([
    ['ADMIN', 'INSTRUCTOR', 200],
    ['ADMIN', 'ADMIN', 403],
    ['SUPPORT', 'STUDENT', 200],
    ['SUPPORT', 'SUPPORT', 403],
    ['MODERATOR', 'STUDENT', 403],
  ])('%s on a %s: %i', async (actorRole, targetRole, status) => {
    const actor = await staff(actorRole);
    const target = await holder(targetRole);
    const response = await remove(actor.access_token, target.id, target.passkey.id);
    expect(response.status).toBe(status);
    if (status === 403) await problem(response, 403, 'forbidden');
  });

  it('answers 404 for a passkey of another user and for an unknown user, 400 for malformed ids', async () => {
    const admin = await staff('SUPER_ADMIN');
    const [alice, bob] = [await holder(), await holder()];
    await problem(await remove(admin.access_token, bob.id, alice.passkey.id), 404, 'not_found');
    await problem(await remove(admin.access_token, crypto.randomUUID(), alice.passkey.id), 404, 'not_found');
    await problem(await remove(admin.access_token, alice.id, 'nope'), 400, 'validation_failed');
    const student = await login(alice.email);
    await problem(await remove(student.access_token, bob.id, bob.passkey.id), 403, 'forbidden');
  });

  it("refuses to remove a password-less user's last way to sign in", async () => {
    const admin = await staff('SUPER_ADMIN');
    const target = await holder();
    await sql('UPDATE users SET password_hash = NULL WHERE id = ?', target.id).run();
    await problem(await remove(admin.access_token, target.id, target.passkey.id), 400, 'last_sign_in_method');
  });
});
