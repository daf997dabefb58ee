import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { get, json, PASSWORD, problem } from '../helpers/api';
import { AGENTS, BRUSSELS, LYON, PARIS, signInFrom as signIn, TOKYO } from '../helpers/clients';
import { captureConsole } from '../helpers/mail';
import { registerVerified, signedInUser, sql } from '../helpers/users';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => vi.useRealTimers());

describe('login history', () => {
  it.each([
    ['Chrome on Windows', AGENTS.chromeWindows, { device: 'Desktop', browser: 'Chrome 120', os: 'Windows 10' }],
    ['Safari on iPhone', AGENTS.safariIphone, { device: 'Mobile', browser: 'Mobile Safari 17', os: 'iOS 17.1' }],
    ['Firefox on Linux', AGENTS.firefoxLinux, { device: 'Desktop', browser: 'Firefox 121', os: 'Linux' }],
    ['an iPad', AGENTS.ipad, { device: 'Tablet', browser: 'Mobile Safari 16', os: 'iOS 16.6' }],
    ['a bot', AGENTS.bot, { device: 'Other', browser: null, os: null }],
    ['no user agent', undefined, { device: 'Other', browser: null, os: null }],
  ])('records %s with IP, geolocation and parsed agent', async (_name, agent, parsed) => {
    const user = await registerVerified();
    const { access_token } = await json(await signIn(user.email, agent, PARIS, '198.51.100.23'));
    const [entry] = await json<any[]>(await get('login-history/', { token: access_token }));
    expect(entry).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      success: true,
      failure_reason: null,
      ip_address: '198.51.100.23',
      location: 'Paris, France',
      country: 'France',
      city: 'Paris',
      ...parsed,
      suspicious: false,
      login_at: expect.stringMatching(/Z$/),
    });
    const row = await sql(
      'SELECT region, latitude, longitude, timezone, country_code FROM login_history WHERE id = ?',
      entry.id,
    ).first();
    expect(row).toEqual({
      region: 'Île-de-France',
      latitude: 48.8566,
      longitude: 2.3522,
      timezone: 'Europe/Paris',
      country_code: 'FR',
    });
  });

  it('records failures with their reason, newest first, and filters success_only', async () => {
    const user = await registerVerified();
    await signIn(user.email, AGENTS.firefoxLinux, PARIS, undefined, 'Wrong-Password1!');
    await sql('UPDATE users SET is_suspended = 1 WHERE id = ?', user.id).run();
    await signIn(user.email, AGENTS.firefoxLinux, PARIS);
    await sql('UPDATE users SET is_suspended = 0 WHERE id = ?', user.id).run();
    const { access_token } = await json(await signIn(user.email, AGENTS.firefoxLinux, PARIS));
    const all = await json<any[]>(await get('login-history', { token: access_token }));
    expect(all.map((entry) => [entry.success, entry.failure_reason])).toEqual([
      [true, null],
      [false, 'account_suspended'],
      [false, 'invalid_credentials'],
    ]);
    const successes = await json<any[]>(await get('login-history?success_only=true&limit=10', { token: access_token }));
    expect(successes).toHaveLength(1);
    const one = await json<any[]>(await get('login-history?limit=1', { token: access_token }));
    expect(one).toHaveLength(1);
  });

  it('shows only the caller’s own history', async () => {
    const alice = await signedInUser();
    const bob = await signedInUser();
    const history = await json<any[]>(await get('login-history', { token: bob.access_token }));
    expect(history).toHaveLength(1);
    expect(JSON.stringify(history)).not.toContain(alice.email);
  });

  it.each([['limit=0'], ['limit=101'], ['limit=abc'], ['success_only=maybe']])(
    'refuses ?%s with 400',
    async (query) => {
      const user = await signedInUser();
      await problem(await get(`login-history?${query}`, { token: user.access_token }), 400, 'validation_failed');
    },
  );

  it('needs a token', async () => {
    await problem(await get('login-history'), 401, 'unauthorized');
    await problem(await get('login-statistics'), 401, 'unauthorized');
  });
});

describe('login statistics', () => {
  it('matches the attempts made, in the seed shape, with a 2-decimal success rate', async () => {
    const user = await registerVerified();
    const attempts: Array<[string, Record<string, unknown>, boolean]> = [
      [AGENTS.chromeWindows, PARIS, true],
      [AGENTS.chromeWindows, PARIS, true],
      [AGENTS.safariIphone, LYON, true],
      [AGENTS.ipad, BRUSSELS, false],
      [AGENTS.firefoxLinux, PARIS, true],
      [AGENTS.chromeWindows, BRUSSELS, false],
    ];
    let token = '';
    for (const [agent, cf, ok] of attempts) {
      const response = await signIn(user.email, agent, cf, undefined, ok ? PASSWORD : 'Wrong-Password1!');
      if (ok) token = (await json(response)).access_token;
    }
    const stats = await json(await get('login-statistics/?days=30', { token }));
    expect(stats).toEqual({
      total_attempts: 6,
      successful_logins: 4,
      failed_logins: 2,
      success_rate: 66.67,
      devices: { Desktop: 4, Mobile: 1, Tablet: 1 },
      browsers: { Chrome: 3, 'Mobile Safari': 2, Firefox: 1 },
      countries: { France: 4, Belgium: 2 },
      period_days: 30,
    });
  });

  it('counts only the period asked for', async () => {
    const user = await registerVerified();
    await signIn(user.email, AGENTS.chromeWindows, PARIS);
    vi.useFakeTimers({ now: Date.now() + 3 * 24 * 3600 * 1000, toFake: ['Date'] });
    const { access_token } = await json(await signIn(user.email, AGENTS.chromeWindows, PARIS));
    expect((await json(await get('login-statistics?days=2', { token: access_token }))).total_attempts).toBe(1);
    expect((await json(await get('login-statistics?days=7', { token: access_token }))).total_attempts).toBe(2);
    const empty = await signedInUser();
    await sql('DELETE FROM login_history WHERE user_id = ?', empty.id).run();
    await sql('DELETE FROM login_history_daily WHERE user_id = ?', empty.id).run();
    expect(await json(await get('login-statistics', { token: empty.access_token }))).toMatchObject({
      total_attempts: 0,
      success_rate: 0,
      devices: {},
      period_days: 30,
    });
  });

  it.each(['days=0', 'days=366', 'days=x'])('refuses ?%s with 400', async (query) => {
    const user = await signedInUser();
    await problem(await get(`login-statistics?${query}`, { token: user.access_token }), 400, 'validation_failed');
  });
});

describe('suspicious sign-ins', () => {
  async function alerts(email: string) {
    return logs.emails().filter((mail) => mail.to === email && mail.subject === 'New sign-in to your account');
  }

  it('never flags the first sign-in', async () => {
    const user = await registerVerified();
    const { access_token } = await json(await signIn(user.email, AGENTS.chromeWindows, TOKYO));
    expect((await json<any[]>(await get('login-history', { token: access_token })))[0].suspicious).toBe(false);
    expect(await alerts(user.email)).toHaveLength(0);
  });

  it('flags a new country and emails an alert', async () => {
    const user = await registerVerified();
    await signIn(user.email, AGENTS.chromeWindows, PARIS);
    vi.useFakeTimers({ now: Date.now() + 6 * 3600 * 1000, toFake: ['Date'] });
    const { access_token } = await json(await signIn(user.email, AGENTS.chromeWindows, BRUSSELS));
    const [latest] = await json<any[]>(await get('login-history', { token: access_token }));
    expect(latest.suspicious).toBe(true);
    const [alert] = await alerts(user.email);
    expect(alert?.text).toContain('Brussels, Belgium');
    expect(alert?.text).toContain('a new country');
    expect(alert?.text).toContain('http://localhost:3000/settings/sessions');
    const row = await sql('SELECT suspicious_reasons FROM login_history WHERE id = ?', latest.id).first<{
      suspicious_reasons: string;
    }>();
    expect(JSON.parse(row!.suspicious_reasons)).toEqual(['new_country']);
  });

  it('flags a new device', async () => {
    const user = await registerVerified();
    await signIn(user.email, AGENTS.chromeWindows, PARIS);
    const { access_token } = await json(await signIn(user.email, AGENTS.safariIphone, PARIS));
    const [latest] = await json<any[]>(await get('login-history', { token: access_token }));
    expect(latest.suspicious).toBe(true);
    expect((await alerts(user.email))[0]?.text).toContain('a new device');
  });

  it('flags impossible travel (Paris then Tokyo an hour later) but not a plausible trip', async () => {
    const user = await registerVerified();
    await signIn(user.email, AGENTS.chromeWindows, PARIS);
    await signIn(user.email, AGENTS.chromeWindows, TOKYO); // new country as well
    vi.useFakeTimers({ now: Date.now() + 3600 * 1000, toFake: ['Date'] });
    await signIn(user.email, AGENTS.chromeWindows, PARIS);
    const rows = (
      await sql('SELECT suspicious_reasons FROM login_history WHERE user_id = ? ORDER BY created_at', user.id).all<{
        suspicious_reasons: string | null;
      }>()
    ).results;
    expect(rows.map((row) => (row.suspicious_reasons ? JSON.parse(row.suspicious_reasons) : []))).toEqual([
      [],
      ['new_country', 'impossible_travel'],
      ['impossible_travel'],
    ]);

    const traveller = await registerVerified();
    await signIn(traveller.email, AGENTS.chromeWindows, PARIS);
    vi.useFakeTimers({ now: Date.now() + 3 * 3600 * 1000, toFake: ['Date'] });
    const { access_token } = await json(await signIn(traveller.email, AGENTS.chromeWindows, LYON));
    expect((await json<any[]>(await get('login-history', { token: access_token })))[0].suspicious).toBe(false);
  });

  it('does not flag a known country and device reached at a plausible speed', async () => {
    const user = await registerVerified();
    await signIn(user.email, AGENTS.chromeWindows, PARIS);
    vi.useFakeTimers({ now: Date.now() + 4 * 3600 * 1000, toFake: ['Date'] });
    await signIn(user.email, AGENTS.chromeWindows, LYON);
    expect(await alerts(user.email)).toHaveLength(0);
  });
});
