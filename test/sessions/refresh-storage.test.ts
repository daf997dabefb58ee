import { beforeEach, describe, expect, it } from 'vitest';
import { base64url, fromBase64url } from '../../src/lib/crypto';
import { childSecret, encodeRefreshToken } from '../../src/sessions/refresh-token';
import { get, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { refresh, refreshed, refreshKey, reuseAudits, sessionIdOf, sessionRow } from '../helpers/sessions';
import { signedInUser, sql } from '../helpers/users';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});

/** One session refreshing as fast as it can: the per-session and per-IP limits are lifted. */
const unlimited = { env: { RATE_LIMIT_REFRESH_SESSION: '100000/60', RATE_LIMIT_REFRESH_IP: '100000/60' } };

async function tables(): Promise<string[]> {
  const rows = await sql(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
  ).all<{ name: string }>();
  return rows.results.map((row) => row.name);
}

/** Rows of every table, and the bytes of the session's own row (each column as stored). */
async function footprint(sessionId: string) {
  const rows: Record<string, number> = {};
  for (const table of await tables()) {
    rows[table] = (await sql(`SELECT count(*) AS n FROM "${table}"`).first<{ n: number }>())?.n ?? 0;
  }
  const columns = (await sql("SELECT name FROM pragma_table_info('sessions')").all<{ name: string }>()).results;
  const width = columns.map((column) => `coalesce(length(CAST("${column.name}" AS BLOB)), 0)`).join(' + ');
  const bytes = (await sql(`SELECT ${width} AS bytes FROM sessions WHERE id = ?`, sessionId).first<{ bytes: number }>())
    ?.bytes;
  return { rows, bytes: bytes ?? 0 };
}

/** Everything stored: every row of every table, as text. */
async function everythingStored(): Promise<string> {
  const dump: unknown[] = [];
  for (const table of await tables()) dump.push((await sql(`SELECT * FROM "${table}"`).all()).results);
  return JSON.stringify(dump);
}

/** A token for `sessionId` at `generation` with a made-up secret; its tag valid only if `key` is the server's. */
function forged(sessionId: string, generation: number, key: Uint8Array) {
  return encodeRefreshToken(key, sessionId, generation, crypto.getRandomValues(new Uint8Array(32)));
}

describe('refresh-token storage: O(1) per session', () => {
  it('rotates 1,000 times without growing; forged tokens never revoke; an ancestor 500 back does', async () => {
    const user = await signedInUser();
    const sessionId = sessionIdOf(user.refresh_token);
    const tokens = [user.refresh_token];
    tokens.push((await refreshed(user.refresh_token, unlimited)).refresh_token);
    const afterOne = await footprint(sessionId);
    for (let generation = 2; generation <= 1000; generation++) {
      tokens.push((await refreshed(tokens.at(-1)!, unlimited)).refresh_token);
    }
    const afterThousand = await footprint(sessionId);
    expect(afterThousand.rows).toEqual(afterOne.rows);
    expect(afterThousand.rows.retired_refresh_tokens).toBeUndefined();
    // The only growth is the generation counter's digits (1 → 1000).
    expect(afterThousand.bytes - afterOne.bytes).toBeLessThanOrEqual(String(1000).length - String(1).length);
    expect(await sessionRow(sessionId)).toMatchObject({ refresh_generation: 1000, revoked_at: null });

    // Tokens that merely name the session: a random tag, then (as if the key were stolen) a valid
    // tag on a made-up secret, at the live generation and far back (which hashes forward 1,000 steps).
    const wrongKey = crypto.getRandomValues(new Uint8Array(32));
    for (const token of [
      forged(sessionId, 1000, wrongKey),
      forged(sessionId, 1000, refreshKey()),
      forged(sessionId, 0, refreshKey()),
      forged(sessionId, 999, refreshKey()),
      forged(sessionId, 1001, refreshKey()),
    ]) {
      await problem(await refresh(token, unlimited), 401, 'invalid_refresh_token');
    }
    expect(await sessionRow(sessionId)).toMatchObject({ refresh_generation: 1000, revoked_at: null });
    expect(await reuseAudits(user.id)).toBe(0);
    const live = await refreshed(tokens.at(-1)!, unlimited);
    expect((await get('me', { token: live.access_token })).status).toBe(200);
    tokens.push(live.refresh_token);

    // Nothing secret anywhere: no token, no secret inside one, and not the next child either.
    const key = refreshKey();
    const lastSecret = fromBase64url(tokens.at(-1)!).slice(23, 55);
    const nextChild = encodeRefreshToken(key, sessionId, 1002, childSecret(key, sessionId, 1002, lastSecret));
    const stored = await everythingStored();
    const logged = logs.lines.join('\n');
    for (const token of [...tokens, nextChild]) {
      const secret = base64url(fromBase64url(token).slice(23, 55));
      for (const text of [token, secret]) {
        expect(stored.includes(text)).toBe(false);
        expect(logged.includes(text)).toBe(false);
      }
    }

    // A genuine ancestor from 500 rotations back: reuse, the session ends.
    await problem(await refresh(tokens[501]!, unlimited), 401, 'invalid_refresh_token');
    expect(await sessionRow(sessionId)).toMatchObject({ revoked_reason: 'refresh_reuse' });
    await problem(await refresh(tokens.at(-1)!, unlimited), 401, 'invalid_refresh_token');
    const audit = await sql(
      "SELECT details FROM audit_log WHERE event = 'session.refresh_reuse' AND user_id = ?",
      user.id,
    ).all<{ details: string }>();
    expect(audit.results.map((row) => JSON.parse(row.details))).toEqual([
      { session_id: sessionId, presented_generation: 501, live_generation: 1001 },
    ]);
    const auditText = JSON.stringify((await sql('SELECT * FROM audit_log').all()).results);
    for (const token of tokens) expect(auditText.includes(token)).toBe(false);
  }, 240_000);

  it('keeps each session to one row: the refresh state is two columns of it', async () => {
    const columns = (await sql("SELECT name FROM pragma_table_info('sessions')").all<{ name: string }>()).results.map(
      (column) => column.name,
    );
    expect(columns).toEqual(expect.arrayContaining(['refresh_token_hash', 'refresh_generation', 'refreshed_at']));
    expect(await tables()).not.toContain('retired_refresh_tokens');
  });
});
