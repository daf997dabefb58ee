import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { login, registerVerified, signedInUser, sql, uniqueEmail } from '../helpers/users';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => logs.restore());

const rowsFromIp = async (ip: string) =>
  sql(
    `SELECT (SELECT count(*) FROM login_history WHERE ip_address = ?1) AS history,
            (SELECT count(*) FROM audit_log WHERE ip_address = ?1 AND event = 'login.failed') AS audit`,
    ip,
  ).first<{ history: number; audit: number }>();

describe('one client cannot grow the database without bound', () => {
  it('limits refresh/ per IP, across sessions', async () => {
    const env = { RATE_LIMIT_REFRESH_IP: '2/60' };
    const headers = { 'CF-Connecting-IP': '198.51.100.40' };
    const user = await registerVerified();
    const sessions = [await login(user.email), await login(user.email), await login(user.email)];
    for (const session of sessions.slice(0, 2)) {
      expect((await post('refresh', { refresh_token: session.refresh_token }, { env, headers })).status).toBe(200);
    }
    const limited = await post('refresh', { refresh_token: sessions[2]!.refresh_token }, { env, headers });
    await problem(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    // Refused before the rotation: the token still works from elsewhere.
    const elsewhere = await post(
      'refresh',
      { refresh_token: sessions[2]!.refresh_token },
      { env, headers: { 'CF-Connecting-IP': '198.51.100.41' } },
    );
    expect(elsewhere.status).toBe(200);
  });

  it('keeps at most MAX_SESSIONS_PER_USER live sessions, evicting the least recently used', async () => {
    const env = { MAX_SESSIONS_PER_USER: '3' };
    const user = await registerVerified();
    const opened = [];
    for (let i = 0; i < 5; i++)
      opened.push(await json(await post('login', { email: user.email, password: PASSWORD }, { env })));
    const rows = await sql('SELECT count(*) AS n FROM sessions WHERE user_id = ?', user.id).first<{ n: number }>();
    expect(rows?.n).toBe(3);
    for (const evicted of opened.slice(0, 2)) {
      await problem(await get('me', { token: evicted.access_token }), 401, 'unauthorized');
      await problem(await post('refresh', { refresh_token: evicted.refresh_token }), 401, 'invalid_refresh_token');
    }
    for (const kept of opened.slice(2)) expect((await get('me', { token: kept.access_token })).status).toBe(200);
    const listed = await json<unknown[]>(await get('sessions', { token: opened[4]!.access_token }));
    expect(listed).toHaveLength(3);
  });

  it('records failed sign-ins for unknown emails only up to a per-IP budget, truncated', async () => {
    const env = { RATE_LIMIT_UNKNOWN_EMAIL_RECORDS_IP: '3/3600' };
    const ip = '198.51.100.50';
    const longEmail = `${'x'.repeat(60)}.${crypto.randomUUID()}@${'y'.repeat(60)}.example.com`;
    const agent = `Mozilla/5.0 ${'z'.repeat(700)}`;
    for (let i = 0; i < 6; i++) {
      const email = i === 0 ? longEmail : uniqueEmail('nobody');
      await problem(
        await post(
          'login',
          { email, password: 'Wrong-Password1!' },
          { env, headers: { 'CF-Connecting-IP': ip, 'User-Agent': agent } },
        ),
        400,
        'invalid_credentials',
      );
    }
    expect(await rowsFromIp(ip)).toEqual({ history: 3, audit: 3 });
    const stored = await sql(
      'SELECT email, length(user_agent) AS agent FROM login_history WHERE ip_address = ? ORDER BY created_at LIMIT 1',
      ip,
    ).first<{ email: string; agent: number }>();
    expect(stored?.email).toBe(longEmail.slice(0, 100));
    expect(stored?.agent).toBe(256);

    // Failures on real accounts are always recorded: they are the owner's history.
    const user = await registerVerified();
    await post(
      'login',
      { email: user.email, password: 'Wrong-Password1!' },
      { env, headers: { 'CF-Connecting-IP': ip } },
    );
    expect(await rowsFromIp(ip)).toEqual({ history: 4, audit: 4 });
  });
});

describe('client addresses', () => {
  it('never answers 500 to a malformed CF-Connecting-IP, and records no address for it', async () => {
    const user = await registerVerified();
    for (const ip of ['2001:db8:::1', 'fe80::1::2', '1.2.3.999', '::ffff:1.2.3', 'not-an-ip', `${'1:'.repeat(40)}1`]) {
      const response = await post(
        'login',
        { email: user.email, password: PASSWORD },
        { headers: { 'CF-Connecting-IP': ip } },
      );
      expect(response.status, ip).toBe(200);
    }
    const stored = await sql(
      'SELECT DISTINCT ip_address FROM login_history WHERE user_id = ? AND success = 1',
      user.id,
    ).all();
    expect(stored.results).toEqual([{ ip_address: null }]);
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address it carries', async () => {
    const env = { RATE_LIMIT_LOGIN_IP: '2/60' };
    const attempt = (ip: string) =>
      post('login', { email: uniqueEmail(), password: PASSWORD }, { env, headers: { 'CF-Connecting-IP': ip } });
    await problem(await attempt('198.51.100.60'), 400, 'invalid_credentials');
    await problem(await attempt('::ffff:198.51.100.60'), 400, 'invalid_credentials');
    await problem(await attempt('::ffff:c633:643c'), 429, 'rate_limited');
    // Other mapped addresses are other clients, not one shared bucket.
    await problem(await attempt('::ffff:198.51.100.61'), 400, 'invalid_credentials');
    const user = await signedInUser();
    await post(
      'login',
      { email: user.email, password: PASSWORD },
      { headers: { 'CF-Connecting-IP': '::ffff:198.51.100.62' } },
    );
    expect(
      await sql(
        'SELECT ip_address FROM login_history WHERE user_id = ? ORDER BY created_at DESC LIMIT 1',
        user.id,
      ).first(),
    ).toEqual({ ip_address: '198.51.100.62' });
  });
});
