import { afterEach, describe, expect, it, vi } from 'vitest';
import { get, json, post, problem } from '../helpers/api';
import { signedInUser, sql } from '../helpers/users';

afterEach(() => vi.useRealTimers());

describe('POST refresh/', () => {
  it('rotates the refresh token and returns session_token equal to access_token', async () => {
    const user = await signedInUser();
    const response = await post('refresh/', { refresh_token: user.refresh_token });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_at', 'refresh_token', 'session_token']);
    expect(body.session_token).toBe(body.access_token);
    expect(body.refresh_token).not.toBe(user.refresh_token);
    expect((await get('me', { token: body.access_token })).status).toBe(200);
    const next = await post('refresh', { refresh_token: body.refresh_token });
    expect(next.status).toBe(200);
  });

  it('treats a rotated token presented again after its grace window as theft: 401 and the whole session revoked', async () => {
    const user = await signedInUser();
    const rotated = await json(await post('refresh', { refresh_token: user.refresh_token }));
    vi.useFakeTimers({ now: Date.now() + 31_000, toFake: ['Date'] });
    await problem(await post('refresh', { refresh_token: user.refresh_token }), 401, 'invalid_refresh_token');
    await problem(await post('refresh', { refresh_token: rotated.refresh_token }), 401, 'invalid_refresh_token');
    await problem(await get('me', { token: rotated.access_token }), 401, 'unauthorized');
    const audit = await sql(
      "SELECT count(*) AS n FROM audit_log WHERE event = 'session.refresh_reuse' AND user_id = ?",
      user.id,
    ).first<{
      n: number;
    }>();
    expect(audit?.n).toBe(1);
  });

  it('never extends a session past its absolute limit', async () => {
    const user = await signedInUser();
    await sql('UPDATE sessions SET expires_at = ? WHERE user_id = ?', Date.now() - 1, user.id).run();
    await problem(await post('refresh', { refresh_token: user.refresh_token }), 401, 'invalid_refresh_token');
    const row = await sql('SELECT expires_at FROM sessions WHERE user_id = ?', user.id).first<{ expires_at: number }>();
    expect(row!.expires_at).toBeLessThan(Date.now());
  });

  it('refuses unknown and malformed refresh tokens', async () => {
    // The old format's length, the new format's length (a wrong version), and neither.
    for (const unknown of ['A'.repeat(43), 'A'.repeat(95), 'A'.repeat(60)]) {
      await problem(await post('refresh', { refresh_token: unknown }), 401, 'invalid_refresh_token');
    }
    await problem(await post('refresh', { refresh_token: 'not valid!' }), 400, 'validation_failed');
    await problem(await post('refresh', {}), 400, 'validation_failed');
  });

  it('refuses to refresh for a suspended user', async () => {
    const user = await signedInUser();
    await sql('UPDATE users SET is_suspended = 1 WHERE id = ?', user.id).run();
    await problem(await post('refresh', { refresh_token: user.refresh_token }), 401, 'invalid_refresh_token');
  });

  it('stores refresh tokens only as hashes', async () => {
    const user = await signedInUser();
    const rotated = await json(await post('refresh', { refresh_token: user.refresh_token }));
    const dump = JSON.stringify((await sql('SELECT * FROM sessions WHERE user_id = ?', user.id).all()).results);
    expect(dump).not.toContain(user.refresh_token);
    expect(dump).not.toContain(rotated.refresh_token);
  });
});

describe('POST logout/', () => {
  it('revokes the current session only, accepting an empty body', async () => {
    const user = await signedInUser();
    const other = await json(await post('login', { email: user.email, password: user.password }));
    const response = await post('logout/', undefined, {
      token: user.access_token,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ message: 'Logout successful' });
    await problem(await get('me', { token: user.access_token }), 401, 'unauthorized');
    await problem(await post('refresh', { refresh_token: user.refresh_token }), 401, 'invalid_refresh_token');
    expect((await get('me', { token: other.access_token })).status).toBe(200);
  });

  it('needs a token', async () => {
    await problem(await post('logout'), 401, 'unauthorized');
  });
});
