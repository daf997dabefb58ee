import { env } from 'cloudflare:workers';
import { vi } from 'vitest';
import { fromBase64url } from '../../src/lib/crypto';
import { type CallOptions, json, post } from './api';
import { sql } from './users';

export interface RefreshAnswer {
  session_token: string;
  access_token: string;
  refresh_token: string;
  expires_at: string;
}

/** POST refresh/ with a body token. */
export const refresh = (token: string, options: CallOptions = {}) =>
  post('refresh/', { refresh_token: token }, options);

/** A refresh that must succeed; its body. */
export async function refreshed(token: string, options: CallOptions = {}): Promise<RefreshAnswer> {
  const response = await refresh(token, options);
  if (response.status !== 200) throw new Error(`refresh failed: ${response.status} ${await response.text()}`);
  return json<RefreshAnswer>(response);
}

/** The session id a refresh token carries (bytes 1–16 of the token). */
export function sessionIdOf(token: string): string {
  const hex = Array.from(fromBase64url(token).subarray(1, 17), (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The test run's REFRESH_TOKEN_SECRET as key bytes (to derive what the server would). */
export function refreshKey(secret = env.REFRESH_TOKEN_SECRET as string): Uint8Array {
  return Uint8Array.from(atob(secret), (char) => char.charCodeAt(0));
}

export interface SessionRow {
  id: string;
  revoked_at: number | null;
  revoked_reason: string | null;
  refresh_generation: number;
  refresh_token_hash: string;
  last_used_at: number;
}

export async function sessionRow(id: string): Promise<SessionRow> {
  const row = await sql('SELECT * FROM sessions WHERE id = ?', id).first<SessionRow>();
  if (!row) throw new Error(`no session ${id}`);
  return row;
}

export async function reuseAudits(userId: string): Promise<number> {
  const row = await sql(
    "SELECT count(*) AS n FROM audit_log WHERE event = 'session.refresh_reuse' AND user_id = ?",
    userId,
  ).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Moves the clock (Date only) by `ms` from its current reading. */
export function advanceClock(ms: number): void {
  vi.useFakeTimers({ now: Date.now() + ms, toFake: ['Date'] });
}
