import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { randomToken, sha256 } from '../../src/lib/crypto';
import { get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import {
  advanceClock,
  type RefreshAnswer,
  refresh,
  refreshed,
  reuseAudits,
  sessionIdOf,
  sessionRow,
} from '../helpers/sessions';
import { signedInUser, sql } from '../helpers/users';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => vi.useRealTimers());

const newSecret = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

/**
 * A session as issue 15 found it: a 256-bit random refresh token, its SHA-256 in the row, generation 0.
 * (Sessions opened before the migration look exactly like this once it added the two columns.)
 */
async function sessionOpenedBeforeTheUpgrade() {
  const user = await signedInUser();
  const sessionId = sessionIdOf(user.refresh_token);
  const legacyToken = randomToken();
  await sql(
    'UPDATE sessions SET refresh_token_hash = ?, refresh_generation = 0, refreshed_at = NULL WHERE id = ?',
    await sha256(legacyToken),
    sessionId,
  ).run();
  return { user, sessionId, legacyToken };
}

describe('sessions opened before issue 15 (43-character random tokens)', () => {
  it('refresh once into the chained format, and on from there', async () => {
    const { sessionId, legacyToken } = await sessionOpenedBeforeTheUpgrade();
    expect(legacyToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const upgraded = await refreshed(legacyToken);
    expect(upgraded.refresh_token).toMatch(/^[A-Za-z0-9_-]{95}$/);
    expect(sessionIdOf(upgraded.refresh_token)).toBe(sessionId);
    expect(await sessionRow(sessionId)).toMatchObject({ refresh_generation: 1, revoked_at: null });
    const next = await refreshed(upgraded.refresh_token);
    expect((await get('me', { token: next.access_token })).status).toBe(200);
  });

  it('converge when several tabs present the old token at once', async () => {
    const { legacyToken } = await sessionOpenedBeforeTheUpgrade();
    const responses = await Promise.all(Array.from({ length: 4 }, () => refresh(legacyToken)));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    const bodies = await Promise.all(responses.map((response) => json<RefreshAnswer>(response)));
    expect(new Set(bodies.map((body) => body.refresh_token)).size).toBe(1);
  });

  it('treat the old token after its grace window as reuse', async () => {
    const { user, sessionId, legacyToken } = await sessionOpenedBeforeTheUpgrade();
    const upgraded = await refreshed(legacyToken);
    advanceClock(31_000);
    await problem(await refresh(legacyToken), 401, 'invalid_refresh_token');
    expect(await sessionRow(sessionId)).toMatchObject({ revoked_reason: 'refresh_reuse' });
    await problem(await refresh(upgraded.refresh_token), 401, 'invalid_refresh_token');
    expect(await reuseAudits(user.id)).toBe(1);
  });

  it('refuse the old token once the session moved past its first chained token, without revoking', async () => {
    const { sessionId, legacyToken } = await sessionOpenedBeforeTheUpgrade();
    const upgraded = await refreshed(legacyToken);
    const next = await refreshed(upgraded.refresh_token);
    // Nothing links an old random token to its session any more: it is merely unknown (documented).
    await problem(await refresh(legacyToken), 401, 'invalid_refresh_token');
    expect(await sessionRow(sessionId)).toMatchObject({ revoked_at: null, refresh_generation: 2 });
    expect((await refreshed(next.refresh_token)).refresh_token).toMatch(/^[A-Za-z0-9_-]{95}$/);
  });
});

describe('REFRESH_TOKEN_SECRET rotation', () => {
  it('keeps sessions of the previous key refreshing (and guarded) while new ones use the new key', async () => {
    const oldKey = env.REFRESH_TOKEN_SECRET as string;
    const rotated = { env: { REFRESH_TOKEN_SECRET: newSecret(), REFRESH_TOKEN_PREVIOUS_SECRET: oldKey } };
    const user = await signedInUser();
    const child = await refreshed(user.refresh_token, rotated);
    const grandchild = await refreshed(child.refresh_token, rotated);
    // Still one chain under the old key: an ancestor hashes forward to the live token and revokes.
    await problem(await refresh(user.refresh_token, rotated), 401, 'invalid_refresh_token');
    expect(await reuseAudits(user.id)).toBe(1);
    await problem(await refresh(grandchild.refresh_token, rotated), 401, 'invalid_refresh_token');

    // A new sign-in is under the new key: the old key alone does not know its tokens.
    const fresh = await json(await post('login', { email: user.email, password: PASSWORD }, rotated));
    expect((await refreshed(fresh.refresh_token, rotated)).refresh_token).toMatch(/^[A-Za-z0-9_-]{95}$/);
    await problem(await refresh(fresh.refresh_token), 401, 'invalid_refresh_token');
  });

  it('ends (without revoking) the sessions of a key that is dropped', async () => {
    const user = await signedInUser();
    const dropped = { env: { REFRESH_TOKEN_SECRET: newSecret() } };
    await problem(await refresh(user.refresh_token, dropped), 401, 'invalid_refresh_token');
    expect(logs.lines.join('\n')).toContain('"reason":"refresh_forged"');
    expect(await sessionRow(sessionIdOf(user.refresh_token))).toMatchObject({ revoked_at: null });
    expect((await refreshed(user.refresh_token)).refresh_token).toMatch(/^[A-Za-z0-9_-]{95}$/);
  });

  it('refuses a missing, short or repeated key at start-up', async () => {
    const current = env.REFRESH_TOKEN_SECRET as string;
    for (const [overrides, message] of [
      [{ REFRESH_TOKEN_SECRET: undefined }, /REFRESH_TOKEN_SECRET: Invalid input/],
      [{ REFRESH_TOKEN_SECRET: btoa('too short') }, /REFRESH_TOKEN_SECRET: must be at least 32 random bytes/],
      [{ REFRESH_TOKEN_PREVIOUS_SECRET: current }, /REFRESH_TOKEN_PREVIOUS_SECRET: must differ/],
      [{ REFRESH_REUSE_GRACE: '301' }, /REFRESH_REUSE_GRACE/],
    ] as const) {
      await problem(await get('health/', { env: overrides }), 503, 'service_unavailable');
      expect(logs.lines.join('\n')).toMatch(message);
    }
    expect(logs.lines.join('\n')).not.toContain(current);
  });
});
