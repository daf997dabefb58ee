import { afterEach, describe, expect, it, vi } from 'vitest';
import { get, json, post, problem } from '../helpers/api';
import {
  advanceClock,
  type RefreshAnswer,
  refresh,
  refreshed,
  reuseAudits,
  sessionIdOf,
  sessionRow,
} from '../helpers/sessions';
import { signedInUser } from '../helpers/users';

afterEach(() => vi.useRealTimers());

describe('refresh/ with several tabs: the grace window of the immediate predecessor', () => {
  it('gives 5 parallel refreshes of one token the same new refresh token, and the session lives on', async () => {
    const user = await signedInUser();
    const responses = await Promise.all(Array.from({ length: 5 }, () => refresh(user.refresh_token)));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const bodies = await Promise.all(responses.map((response) => json<RefreshAnswer>(response)));
    expect(new Set(bodies.map((body) => body.refresh_token)).size).toBe(1);
    const [first] = bodies;
    expect(first!.refresh_token).not.toBe(user.refresh_token);
    // Each got a working access token of its own.
    for (const body of bodies) expect((await get('me', { token: body.access_token })).status).toBe(200);
    expect(new Set(bodies.map((body) => body.access_token)).size).toBe(5);

    const row = await sessionRow(sessionIdOf(user.refresh_token));
    expect(row).toMatchObject({ revoked_at: null, refresh_generation: 1 });
    // The child works afterwards, once, like any live token.
    const next = await refreshed(first!.refresh_token);
    expect((await get('me', { token: next.access_token })).status).toBe(200);
    expect(await reuseAudits(user.id)).toBe(0);
  });

  it('revokes the session when the parent comes back after the window (controlled clock)', async () => {
    const user = await signedInUser();
    const child = await refreshed(user.refresh_token);
    advanceClock(29_000);
    // Still inside: the same child again.
    expect((await refreshed(user.refresh_token)).refresh_token).toBe(child.refresh_token);
    advanceClock(2_000);
    await problem(await refresh(user.refresh_token), 401, 'invalid_refresh_token');
    const row = await sessionRow(sessionIdOf(user.refresh_token));
    expect(row.revoked_reason).toBe('refresh_reuse');
    await problem(await refresh(child.refresh_token), 401, 'invalid_refresh_token');
    await problem(await get('me', { token: child.access_token }), 401, 'unauthorized');
    expect(await reuseAudits(user.id)).toBe(1);
  });

  it('revokes the session for a grandparent, even inside the window', async () => {
    const user = await signedInUser();
    const child = await refreshed(user.refresh_token);
    const grandchild = await refreshed(child.refresh_token);
    await problem(await refresh(user.refresh_token), 401, 'invalid_refresh_token');
    expect((await sessionRow(sessionIdOf(user.refresh_token))).revoked_reason).toBe('refresh_reuse');
    await problem(await refresh(grandchild.refresh_token), 401, 'invalid_refresh_token');
    expect(await reuseAudits(user.id)).toBe(1);
  });

  it('lets the parent of the live token converge, but not the parent of a rotated child', async () => {
    const user = await signedInUser();
    const child = await refreshed(user.refresh_token);
    const grandchild = await refreshed(child.refresh_token);
    // The child is the immediate predecessor of the live token: inside the window it converges.
    expect((await refreshed(child.refresh_token)).refresh_token).toBe(grandchild.refresh_token);
    expect((await sessionRow(sessionIdOf(user.refresh_token))).revoked_at).toBeNull();
  });

  it('is strict with REFRESH_REUSE_GRACE=0: any second presentation revokes', async () => {
    const strict = { env: { REFRESH_REUSE_GRACE: '0' } };
    const user = await signedInUser();
    const child = await refreshed(user.refresh_token, strict);
    advanceClock(1);
    await problem(await refresh(user.refresh_token, strict), 401, 'invalid_refresh_token');
    await problem(await refresh(child.refresh_token, strict), 401, 'invalid_refresh_token');
    expect(await reuseAudits(user.id)).toBe(1);
  });

  it('never extends the session: the replayed answer keeps its absolute limit', async () => {
    const user = await signedInUser();
    const child = await refreshed(user.refresh_token);
    const replay = await refreshed(user.refresh_token);
    expect(replay.refresh_token).toBe(child.refresh_token);
    const expiresAt = Date.parse(replay.expires_at);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
    const sessions = await json<{ expires_at: string }[]>(await get('sessions', { token: replay.access_token }));
    expect(Date.parse(sessions[0]!.expires_at)).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
  });
});

/**
 * The seed's SPA: both tokens in one `localStorage` shared by every tab; on a 401 each tab posts
 * refresh/ with whatever refresh token the store holds, stores the answer, and retries once; a
 * failed refresh clears the store and goes to /login.
 */
class SeedTab {
  redirectedToLogin = false;

  constructor(private readonly storage: Map<string, string>) {}

  private async request(token: string | undefined) {
    return get('me/', { token });
  }

  async getCurrentUser(): Promise<number> {
    const first = await this.request(this.storage.get('access_token'));
    if (first.status !== 401) return first.status;
    const answer = await post('refresh/', { refresh_token: this.storage.get('refresh_token') ?? null });
    if (answer.status !== 200) {
      this.storage.clear();
      this.redirectedToLogin = true;
      return answer.status;
    }
    const data = await json<RefreshAnswer>(answer);
    this.storage.set('access_token', data.session_token);
    this.storage.set('refresh_token', data.refresh_token);
    return (await this.request(data.session_token)).status;
  }
}

describe('two tabs sharing one token store, with the seed interceptor', () => {
  it('stay signed in through three access-token expiries', async () => {
    const user = await signedInUser();
    const storage = new Map([
      ['access_token', user.access_token],
      ['refresh_token', user.refresh_token],
    ]);
    const tabs = [new SeedTab(storage), new SeedTab(storage)];
    for (let expiry = 1; expiry <= 3; expiry++) {
      advanceClock(15 * 60_000 + 1_000);
      // Both tabs find the access token expired at the same moment and refresh at once.
      expect(await Promise.all(tabs.map((tab) => tab.getCurrentUser()))).toEqual([200, 200]);
      expect((await sessionRow(sessionIdOf(user.refresh_token))).revoked_at).toBeNull();
    }
    expect(tabs.map((tab) => tab.redirectedToLogin)).toEqual([false, false]);
    expect((await get('me', { token: storage.get('access_token') })).status).toBe(200);
    expect(await reuseAudits(user.id)).toBe(0);
  });
});
