import { beforeEach, describe, expect, it } from 'vitest';
import { del, get, json, problem } from '../helpers/api';
import { AGENTS, LYON, PARIS, signInFrom as signIn } from '../helpers/clients';
import { captureConsole } from '../helpers/mail';
import { registerVerified, signedInUser, sql } from '../helpers/users';

beforeEach(() => {
  captureConsole();
});

describe('sessions', () => {
  it('lists live sessions with device details and the current flag, never a token', async () => {
    const user = await registerVerified();
    const first = await json(await signIn(user.email, AGENTS.chromeWindows, PARIS, '198.51.100.1'));
    const second = await json(await signIn(user.email, AGENTS.safariIphone, LYON, '198.51.100.2'));
    const response = await get('sessions/', { token: second.access_token });
    const sessions = await json<any[]>(response);
    expect(sessions).toHaveLength(2);
    const current = sessions.find((s) => s.current);
    expect(current).toEqual({
      id: expect.any(String),
      created_at: expect.any(String),
      last_used_at: expect.any(String),
      expires_at: expect.any(String),
      ip_address: '198.51.100.2',
      device: 'Mobile',
      browser: 'Mobile Safari 17',
      os: 'iOS 17.1',
      location: 'Lyon, France',
      current: true,
    });
    expect(sessions.find((s) => !s.current)).toMatchObject({
      device: 'Desktop',
      location: 'Paris, France',
      ip_address: '198.51.100.1',
    });
    const raw = JSON.stringify(sessions);
    for (const secret of [first.access_token, first.refresh_token, second.refresh_token])
      expect(raw).not.toContain(secret);
    expect(raw).not.toContain('refresh');
  });

  it("revokes one of the caller's sessions, and answers 404 for another user's", async () => {
    const alice = await signedInUser();
    const aliceOther = await json(await signIn(alice.email, AGENTS.firefoxLinux, PARIS));
    const bob = await signedInUser();
    const aliceSessions = await json<any[]>(await get('sessions', { token: alice.access_token }));
    const other = aliceSessions.find((s) => !s.current)!;

    await problem(await del(`sessions/${other.id}/`, { token: bob.access_token }), 404, 'not_found');
    expect((await get('me', { token: aliceOther.access_token })).status).toBe(200);

    const response = await del(`sessions/${other.id}/`, { token: alice.access_token });
    expect(await json(response)).toEqual({ message: 'Session revoked successfully' });
    await problem(await get('me', { token: aliceOther.access_token }), 401, 'unauthorized');
    await problem(await del(`sessions/${other.id}`, { token: alice.access_token }), 404, 'not_found');
    // Path parameters are validated as UUIDs (issue 14): not an id at all is bad input, not a missing one.
    const malformed = await problem(
      await del('sessions/not-a-uuid', { token: alice.access_token }),
      400,
      'validation_failed',
    );
    expect(malformed.errors).toEqual([{ field: 'id', message: 'Must be a session id (UUID)' }]);
    expect((await get('me', { token: bob.access_token })).status).toBe(200);
  });

  it('revokes all but the current session and reports the count', async () => {
    const user = await signedInUser();
    const others = [
      await json(await signIn(user.email, AGENTS.ipad, PARIS)),
      await json(await signIn(user.email, AGENTS.bot, PARIS)),
    ];
    const response = await del('sessions/', { token: user.access_token });
    expect(await json(response)).toEqual({ message: '2 sessions revoked successfully', revoked: 2 });
    for (const other of others) await problem(await get('me', { token: other.access_token }), 401, 'unauthorized');
    expect((await get('me', { token: user.access_token })).status).toBe(200);
    expect(await json(await del('sessions', { token: user.access_token }))).toEqual({
      message: '0 sessions revoked successfully',
      revoked: 0,
    });
    const audits = await sql(
      "SELECT count(*) AS n FROM audit_log WHERE event = 'session.revoked' AND user_id = ?",
      user.id,
    ).first<{ n: number }>();
    expect(audits?.n).toBe(2);
  });
});
