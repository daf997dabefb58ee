import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CallOptions, get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { advanceClock, refresh, refreshed, sessionIdOf, sessionRow } from '../helpers/sessions';
import { login, registerVerified } from '../helpers/users';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => vi.useRealTimers());

const MINUTE = 60_000;
const DAY = 24 * 3600_000;

/** The reason the last refusal logged (the access log line of the request). */
function lastReason(): string | undefined {
  const line = logs.lines.filter((text) => text.includes('"msg":"request"')).at(-1);
  return line ? JSON.parse(line).reason : undefined;
}

describe('SESSION_IDLE_TTL: a session unused for too long ends', () => {
  it('ends a 30-day session after 7 idle days by default: no refresh, not listed, not revoked', async () => {
    const user = await registerVerified();
    const idle = await login(user.email, PASSWORD, { remember_me: true });
    advanceClock(7 * DAY - MINUTE);
    const used = await refreshed(idle.refresh_token);
    advanceClock(7 * DAY - MINUTE);
    // Used 7 days minus a minute ago: still live.
    const usedAgain = await refreshed(used.refresh_token);
    advanceClock(7 * DAY + 1_000);
    await problem(await refresh(usedAgain.refresh_token), 401, 'invalid_refresh_token');
    expect(lastReason()).toBe('refresh_session_idle');
    const row = await sessionRow(sessionIdOf(idle.refresh_token));
    expect(row.revoked_at).toBeNull();

    const fresh = await login(user.email);
    const listed = await json<{ id: string }[]>(await get('sessions', { token: fresh.access_token }));
    expect(listed.map((session) => session.id)).toEqual([sessionIdOf(fresh.refresh_token)]);
  });

  it('counts authenticated requests as use, and ends the access token too once idle', async () => {
    const tenMinutes: CallOptions = { env: { SESSION_IDLE_TTL: '600' } };
    const user = await registerVerified();
    const session = await login(user.email);
    advanceClock(5 * MINUTE);
    expect((await get('me', { token: session.access_token, ...tenMinutes })).status).toBe(200);
    advanceClock(8 * MINUTE);
    // 13 minutes after sign-in, but only 8 after the last use.
    expect((await get('me', { token: session.access_token, ...tenMinutes })).status).toBe(200);
    advanceClock(MINUTE);
    const access = await refreshed(session.refresh_token, tenMinutes);
    // 11 minutes without use; the new access token itself is 4 minutes from its expiry.
    advanceClock(11 * MINUTE);
    await problem(await get('me', { token: access.access_token, ...tenMinutes }), 401, 'unauthorized');
    await problem(await refresh(access.refresh_token, tenMinutes), 401, 'invalid_refresh_token');
    expect(lastReason()).toBe('refresh_session_idle');
  });

  it('is off with SESSION_IDLE_TTL=0: only the absolute limit ends the session', async () => {
    const off: CallOptions = { env: { SESSION_IDLE_TTL: '0' } };
    const user = await registerVerified();
    const session = await login(user.email, PASSWORD, { remember_me: true });
    advanceClock(20 * DAY);
    const later = await refreshed(session.refresh_token, off);
    advanceClock(10 * DAY + MINUTE);
    await problem(await refresh(later.refresh_token, off), 401, 'invalid_refresh_token');
    expect(lastReason()).toBe('refresh_session_expired');
  });

  it('does not count idle sessions towards MAX_SESSIONS_PER_USER', async () => {
    const capped: CallOptions = { env: { MAX_SESSIONS_PER_USER: '2', SESSION_IDLE_TTL: '600' } };
    const user = await registerVerified();
    const signIn = async () =>
      json<{ refresh_token: string; access_token: string }>(
        await post('login', { email: user.email, password: PASSWORD }, capped),
      );
    const first = await signIn();
    advanceClock(11 * MINUTE);
    const second = await signIn();
    const third = await signIn();
    // The idle first session was not live, so the two new ones fit under the cap.
    for (const live of [second, third])
      expect((await get('me', { token: live.access_token, ...capped })).status).toBe(200);
    await problem(await refresh(first.refresh_token, capped), 401, 'invalid_refresh_token');
  });

  it('refuses an idle TTL under 5 minutes at start-up', async () => {
    await problem(await get('health/', { env: { SESSION_IDLE_TTL: '60' } }), 503, 'service_unavailable');
    expect(logs.lines.join('\n')).toMatch(/SESSION_IDLE_TTL: must be 0 \(off\) or at least 300 seconds/);
  });
});
