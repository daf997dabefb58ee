import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { BASE, get, PASSWORD, post, problem } from '../helpers/api';
import { assertKeepsContract } from '../helpers/app-contract';
import { captureConsole, tokenFromLink } from '../helpers/mail';
import { login, registerVerified, sql, uniqueEmail, usernameFor } from '../helpers/users';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => logs.restore());

const storedHash = async (userId: string) =>
  (await sql('SELECT password_hash FROM users WHERE id = ?', userId).first<{ password_hash: string }>())?.password_hash;

describe('sign-ins racing a credential change', () => {
  it('a session whose sign-in read an older security stamp is dead (the sign-in in flight during a reset)', async () => {
    const user = await registerVerified();
    const session = await login(user.email);
    // What a reset landing between this sign-in's password check and its session insert leaves behind.
    await sql('UPDATE users SET security_stamp = security_stamp + 1 WHERE id = ?', user.id).run();
    await problem(await get('me', { token: session.access_token }), 401, 'unauthorized');
    await problem(await post('refresh', { refresh_token: session.refresh_token }), 401, 'invalid_refresh_token');
    expect((await get('me', { token: (await login(user.email)).access_token })).status).toBe(200);
  });

  it('reset, change, suspension and MFA enablement each bump the stamp; change keeps the current session', async () => {
    const user = await registerVerified();
    const stamp = async () =>
      (await sql('SELECT security_stamp AS s FROM users WHERE id = ?', user.id).first<{ s: number }>())?.s;
    const start = await stamp();
    const session = await login(user.email);
    const change = await post(
      'password/change',
      { current_password: PASSWORD, new_password: 'Brand-New-Pass9!', new_password_confirm: 'Brand-New-Pass9!' },
      { token: session.access_token },
    );
    expect(change.status).toBe(200);
    expect(await stamp()).toBe((start ?? 0) + 1);
    expect((await get('me', { token: session.access_token })).status).toBe(200);
    expect((await post('refresh', { refresh_token: session.refresh_token })).status).toBe(200);

    await post('password/request-reset', { email: user.email });
    const token = tokenFromLink(logs.lastEmailTo(user.email).text, '/reset-password');
    await post('password/reset', { token, new_password: PASSWORD, new_password_confirm: PASSWORD });
    expect(await stamp()).toBe((start ?? 0) + 2);
    await problem(await get('me', { token: session.access_token }), 401, 'unauthorized');
  });

  it('upgrades an old hash only after the answer, and never over a change made meanwhile', async () => {
    const user = await registerVerified();
    const original = await storedHash(user.id);
    const upgraded = { ...env, SCRYPT_LOG_N: '5', SCRYPT_P: '2' };
    const ctx = createExecutionContext();
    const request = new Request(`${BASE}/api/auth/login/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '203.0.113.10' },
      body: JSON.stringify({ email: user.email, password: PASSWORD }),
    });
    const response = await worker.fetch(request, upgraded as never, ctx);
    await assertKeepsContract(request, response);
    expect(response.status).toBe(200);
    // The answer is ready and the upgrade has not touched the row yet: it was not done in the request.
    expect(await storedHash(user.id)).toBe(original);
    // A reset that lands now (another isolate) must not be undone by the pending upgrade.
    await sql('UPDATE users SET password_hash = ? WHERE id = ?', '$scrypt$reset-meanwhile', user.id).run();
    await waitOnExecutionContext(ctx);
    expect(await storedHash(user.id)).toBe('$scrypt$reset-meanwhile');
  });

  it('upgrades the hash when nothing changed meanwhile', async () => {
    const user = await registerVerified();
    const upgraded = { SCRYPT_LOG_N: '5', SCRYPT_P: '2' };
    expect((await post('login', { email: user.email, password: PASSWORD }, { env: upgraded })).status).toBe(200);
    expect(await storedHash(user.id)).toContain('ln=5,r=8,p=2');
  });
});

describe('password confirmation', () => {
  it('compares the confirmation after NFKC, as the password is hashed', async () => {
    const email = uniqueEmail();
    // A full-width "Ｐ" is "P" after NFKC: the same password for the hash, so it confirms.
    const response = await post('register', {
      email,
      username: usernameFor(email),
      password: 'Ｐassword-Strong9!',
      password_confirm: 'Password-Strong9!',
    });
    expect(response.status).toBe(201);
    const token = tokenFromLink(logs.lastEmailTo(email).text, '/verify-email');
    await post('verify-email', { token });
    expect((await post('login', { email, password: 'Password-Strong9!' })).status).toBe(200);
    const mismatch = await post('register', {
      email: uniqueEmail(),
      username: `${usernameFor(email)}x`.slice(0, 30),
      password: 'Password-Strong9!',
      password_confirm: 'Password-Strong8!',
    });
    const body = await problem(mismatch, 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'password_confirm', message: 'Passwords do not match' }]);
  });
});
