import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GuardCounter } from '../../src/guard/counter-object';
import { PASSWORD, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { registerVerified, signedInUser, sql, uniqueEmail } from '../helpers/users';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => logs.restore());

describe('rate limits', () => {
  it('limits login per CF-Connecting-IP; a spoofed X-Forwarded-For does not escape', async () => {
    const limits = { RATE_LIMIT_LOGIN_IP: '3/60' };
    const ip = '198.51.100.7';
    for (let i = 0; i < 3; i++) {
      const response = await post(
        'login',
        { email: uniqueEmail(), password: PASSWORD },
        { env: limits, headers: { 'CF-Connecting-IP': ip } },
      );
      await problem(response, 400, 'invalid_credentials');
      expect(response.headers.get('RateLimit-Limit')).toBe('3');
      expect(response.headers.get('RateLimit-Remaining')).toBe(String(2 - i));
    }
    const spoofed = await post(
      'login',
      { email: uniqueEmail(), password: PASSWORD },
      { env: limits, headers: { 'CF-Connecting-IP': ip, 'X-Forwarded-For': '192.0.2.99', 'X-Real-IP': '192.0.2.98' } },
    );
    const body = await problem(spoofed, 429, 'rate_limited');
    expect(body.detail).toMatch(/retry later/i);
    const retryAfter = Number(spoofed.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(spoofed.headers.get('RateLimit-Remaining')).toBe('0');

    const otherIp = await post(
      'login',
      { email: uniqueEmail(), password: PASSWORD },
      { env: limits, headers: { 'CF-Connecting-IP': '198.51.100.8' } },
    );
    await problem(otherIp, 400, 'invalid_credentials');
  });

  it('counts IPv6 clients per /64, so rotating addresses within it does not escape', async () => {
    const limits = { RATE_LIMIT_LOGIN_IP: '2/60' };
    const attempt = (ip: string) =>
      post('login', { email: uniqueEmail(), password: PASSWORD }, { env: limits, headers: { 'CF-Connecting-IP': ip } });
    await problem(await attempt('2001:db8:aa:1::1'), 400, 'invalid_credentials');
    await problem(await attempt('2001:0db8:00aa:0001:ffff::2'), 400, 'invalid_credentials');
    await problem(await attempt('2001:db8:aa:1:1234:5678:9abc:def0'), 429, 'rate_limited');
    await problem(await attempt('2001:db8:aa:2::1'), 400, 'invalid_credentials');
  });

  it('refuses before any hashing: a rate-limited login leaves no failed attempt', async () => {
    const limits = { RATE_LIMIT_LOGIN_IP: '1/60' };
    const user = await registerVerified();
    const ip = { 'CF-Connecting-IP': '198.51.100.20' };
    await post('login', { email: uniqueEmail(), password: PASSWORD }, { env: limits, headers: ip });
    await problem(
      await post('login', { email: user.email, password: 'Wrong-Password1!' }, { env: limits, headers: ip }),
      429,
      'rate_limited',
    );
    const failed = await sql(
      "SELECT count(*) AS n FROM audit_log WHERE event = 'login.failed' AND user_id = ?",
      user.id,
    ).first<{ n: number }>();
    expect(failed?.n).toBe(0);
  });

  it('sends the rate-limit hit alongside the lockout reservation, and releases the reservation it refuses', async () => {
    const limits = { RATE_LIMIT_LOGIN_IP: '1/60' };
    const user = await registerVerified();
    const ip = { 'CF-Connecting-IP': '198.51.100.21' };
    await post('login', { email: uniqueEmail(), password: PASSWORD }, { env: limits, headers: ip });
    for (let i = 0; i < 6; i++) {
      await problem(
        await post('login', { email: user.email, password: PASSWORD }, { env: limits, headers: ip }),
        429,
        'rate_limited',
      );
    }
    const lockout = env.GUARD.get(env.GUARD.idFromName(`lockout:${user.email}`));
    const pending = await runInDurableObject(lockout, (_instance: GuardCounter, state) =>
      state.storage.sql.exec<{ pending: number }>('SELECT coalesce(max(pending), 0) AS pending FROM lockout').one(),
    );
    expect(pending.pending).toBe(0);
    // Six refused reservations would have blocked the account (5 checks in flight at most): it signs in.
    expect((await post('login', { email: user.email, password: PASSWORD })).status).toBe(200);
  });

  it('answers 429 before 423: a rate-limited client learns nothing of the lock', async () => {
    const user = await registerVerified();
    for (let i = 0; i < 5; i++) await post('login', { email: user.email, password: 'Wrong-Password1!' });
    const limits = { RATE_LIMIT_LOGIN_IP: '1/60' };
    const ip = { 'CF-Connecting-IP': '198.51.100.22' };
    await problem(
      await post('login', { email: user.email, password: PASSWORD }, { env: limits, headers: ip }),
      423,
      'account_locked',
    );
    await problem(
      await post('login', { email: user.email, password: PASSWORD }, { env: limits, headers: ip }),
      429,
      'rate_limited',
    );
  });

  it('limits registration per IP', async () => {
    const limits = { RATE_LIMIT_REGISTER_IP: '2/600' };
    const headers = { 'CF-Connecting-IP': '198.51.100.30' };
    for (let i = 0; i < 2; i++) await post('register', { email: 'bad' }, { env: limits, headers });
    await problem(await post('register', { email: 'bad' }, { env: limits, headers }), 429, 'rate_limited');
  });

  it('limits verification resends per email, whatever the IP', async () => {
    const email = uniqueEmail();
    for (let i = 0; i < 5; i++) {
      expect(
        (await post('verify-email/resend', { email }, { headers: { 'CF-Connecting-IP': `198.51.100.${40 + i}` } }))
          .status,
      ).toBe(200);
    }
    await problem(await post('verify-email/resend', { email: email.toUpperCase() }), 429, 'rate_limited');
    expect((await post('verify-email/resend', { email: uniqueEmail() })).status).toBe(200);
  });

  it('limits refreshes per session', async () => {
    const user = await signedInUser();
    const limits = { RATE_LIMIT_REFRESH_SESSION: '2/60' };
    let token = user.refresh_token;
    for (let i = 0; i < 2; i++) {
      const response = await post('refresh', { refresh_token: token }, { env: limits });
      expect(response.status).toBe(200);
      token = ((await response.json()) as { refresh_token: string }).refresh_token;
    }
    const limited = await post('refresh', { refresh_token: token }, { env: limits });
    await problem(limited, 429, 'rate_limited');
    expect(limited.headers.get('Retry-After')).toBeTruthy();
    // The refused refresh did not rotate: the same token still works once the window allows.
    expect((await post('refresh', { refresh_token: token })).status).toBe(200);
  });

  it('rejects a malformed limit in configuration with a clear 503', async () => {
    await problem(await post('login', {}, { env: { RATE_LIMIT_LOGIN_IP: 'sixty' } }), 503, 'service_unavailable');
    expect(logs.lines.join('\n')).toContain('RATE_LIMIT_LOGIN_IP: must be');
  });
});
