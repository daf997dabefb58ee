import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PASSWORD, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { registerVerified, signedInUser, sql, uniqueEmail } from '../helpers/users';

const WRONG = 'Wrong-Password1!';
const lockoutOf = (email: string) => env.GUARD.get(env.GUARD.idFromName(`lockout:${email}`)).lockoutState(Date.now());
const failedChecks = async (email: string) =>
  (
    await sql(
      "SELECT count(*) AS n FROM audit_log WHERE event = 'login.failed' AND json_extract(details, '$.email') = ?",
      email,
    ).first<{
      n: number;
    }>()
  )?.n;

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => {
  logs.restore();
  vi.useRealTimers();
});

async function failTimes(email: string, times: number) {
  for (let i = 0; i < times; i++) {
    await problem(await post('login', { email, password: WRONG }), 400, 'invalid_credentials');
  }
}

describe('account lockout', () => {
  it('locks after 5 failures: a sixth attempt with the right password is still locked', async () => {
    const user = await registerVerified();
    await failTimes(user.email, 5);
    const response = await post('login', { email: user.email, password: PASSWORD });
    const body = await problem(response, 423, 'account_locked');
    const lockedUntil = Date.parse(body.locked_until);
    expect(lockedUntil - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(lockedUntil - Date.now()).toBeLessThanOrEqual(30 * 60_000);
    expect(Number(response.headers.get('Retry-After'))).toBeGreaterThan(29 * 60);
  });

  it('does not check the password of a locked account, nor extend the lock', async () => {
    const user = await registerVerified();
    await failTimes(user.email, 5);
    const first = await problem(await post('login', { email: user.email, password: WRONG }), 423, 'account_locked');
    vi.useFakeTimers({ now: Date.now() + 10 * 60_000, toFake: ['Date'] });
    const later = await problem(await post('login', { email: user.email, password: WRONG }), 423, 'account_locked');
    expect(later.locked_until).toBe(first.locked_until);
    expect(await failedChecks(user.email)).toBe(5);
    expect((await lockoutOf(user.email)).failures).toBe(5);
  });

  it('records at most one refused attempt per client during a lock: 200 from 50 IPs add at most 50 rows', async () => {
    const user = await registerVerified();
    await failTimes(user.email, 5);
    const rows = async () =>
      (await sql('SELECT count(*) AS n FROM login_history WHERE user_id = ?', user.id).first<{ n: number }>())!.n;
    const before = await rows();
    const ips = Array.from({ length: 50 }, (_, i) => `198.51.100.${i + 1}`);
    for (let round = 0; round < 4; round++) {
      const answers = await Promise.all(
        ips.map((ip) =>
          post(
            'login',
            { email: user.email, password: round % 2 ? PASSWORD : WRONG },
            { headers: { 'CF-Connecting-IP': ip } },
          ),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(423));
    }
    expect((await rows()) - before).toBeLessThanOrEqual(50);
    expect((await rows()) - before).toBe(50);
    const counter = env.GUARD.get(env.GUARD.idFromName(`lockout:${user.email}`));
    expect(await counter.lockRefusals(Date.now())).toEqual({ refused: 200, subjects: 50 });
    // The repeats still reach the log line, with their reason.
    const repeats = logs.lines.filter((line) => line.includes('"reason":"locked_repeat_refusal"'));
    expect(repeats).toHaveLength(150);
  }, 60_000);

  it('records the first refusal of each new lock again', async () => {
    const user = await registerVerified();
    const lockedRows = async () =>
      (await sql(
        "SELECT count(*) AS n FROM login_history WHERE user_id = ? AND failure_reason = 'account_locked'",
        user.id,
      ).first<{ n: number }>())!.n;
    await failTimes(user.email, 5);
    await problem(await post('login', { email: user.email, password: PASSWORD }), 423, 'account_locked');
    await problem(await post('login', { email: user.email, password: PASSWORD }), 423, 'account_locked');
    expect(await lockedRows()).toBe(1);
    vi.useFakeTimers({ now: Date.now() + 31 * 60_000, toFake: ['Date'] });
    await failTimes(user.email, 5);
    await problem(await post('login', { email: user.email, password: PASSWORD }), 423, 'account_locked');
    expect(await lockedRows()).toBe(2);
  });

  it('ends the lock after its duration (controlled clock), with the count back at zero', async () => {
    const user = await registerVerified();
    await failTimes(user.email, 5);
    await problem(await post('login', { email: user.email, password: PASSWORD }), 423, 'account_locked');
    vi.useFakeTimers({ now: Date.now() + 30 * 60_000 + 1_000, toFake: ['Date'] });
    expect((await post('login', { email: user.email, password: PASSWORD })).status).toBe(200);
    expect(await lockoutOf(user.email)).toEqual({ failures: 0, lockedUntil: null });
  });

  it('is cleared by a successful login: failures are consecutive only', async () => {
    const user = await registerVerified();
    await failTimes(user.email, 4);
    expect((await post('login', { email: user.email, password: PASSWORD })).status).toBe(200);
    await failTimes(user.email, 4);
    expect((await post('login', { email: user.email, password: PASSWORD })).status).toBe(200);
  });

  it('counts exactly under 20 concurrent wrong attempts: at most 5 password checks', async () => {
    const user = await registerVerified();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => post('login', { email: user.email, password: WRONG })),
    );
    const answers = await Promise.all(
      results.map(async (response) => `${response.status} ${((await response.json()) as { code: string }).code}`),
    );
    expect(answers.filter((answer) => answer === '400 invalid_credentials')).toHaveLength(5);
    expect(
      answers.every((answer) => ['400 invalid_credentials', '423 account_locked', '429 rate_limited'].includes(answer)),
    ).toBe(true);
    expect(await failedChecks(user.email)).toBe(5);
    const state = await lockoutOf(user.email);
    expect(state.failures).toBe(5);
    expect(state.lockedUntil).toBeGreaterThan(Date.now());
    await problem(await post('login', { email: user.email, password: PASSWORD }), 423, 'account_locked');
  });

  it('locks unknown emails the same way, so a 423 reveals nothing', async () => {
    const ghost = uniqueEmail('ghost');
    const user = await registerVerified();
    await failTimes(ghost, 5);
    await failTimes(user.email, 5);
    const ghostBody = await problem(await post('login', { email: ghost, password: WRONG }), 423, 'account_locked');
    const userBody = await problem(await post('login', { email: user.email, password: WRONG }), 423, 'account_locked');
    const shape = (body: Record<string, unknown>) => ({ ...body, locked_until: 'x', detail: 'x' });
    expect(shape(ghostBody)).toEqual(shape(userBody));
  });

  it('keys the lock on the normalised email', async () => {
    const user = await registerVerified();
    await failTimes(user.email.toUpperCase(), 3);
    await failTimes(`  ${user.email} `, 2);
    await problem(await post('login', { email: user.email, password: PASSWORD }), 423, 'account_locked');
  });

  it('emails the owner and writes an audit entry when the lock starts', async () => {
    const user = await registerVerified();
    await failTimes(user.email, 5);
    const mail = logs.lastEmailTo(user.email);
    expect(mail.subject).toBe('Your account has been locked');
    const row = await sql(
      "SELECT details FROM audit_log WHERE event = 'account.locked' AND user_id = ?",
      user.id,
    ).first<{
      details: string;
    }>();
    expect(JSON.parse(row!.details)).toMatchObject({ email: user.email, locked_until: expect.any(String) });
  });

  it('counts wrong current passwords on password change, and says so when it locks', async () => {
    const user = await signedInUser();
    for (let i = 0; i < 5; i++) {
      const body = {
        current_password: WRONG,
        new_password: 'Another-Secret8?',
        new_password_confirm: 'Another-Secret8?',
      };
      await problem(await post('password/change', body, { token: user.access_token }), 400, 'invalid_password');
    }
    await problem(await post('login', { email: user.email, password: PASSWORD }), 423, 'account_locked');
    expect(logs.lastEmailTo(user.email).subject).toBe('Your account has been locked');
    const locked = await sql(
      "SELECT count(*) AS n FROM audit_log WHERE event = 'account.locked' AND user_id = ?",
      user.id,
    ).first<{ n: number }>();
    expect(locked?.n).toBe(1);
  });

  it('follows LOCKOUT_THRESHOLD and LOCKOUT_DURATION', async () => {
    const user = await registerVerified();
    const strict = { LOCKOUT_THRESHOLD: '2', LOCKOUT_DURATION: '60' };
    for (let i = 0; i < 2; i++) await post('login', { email: user.email, password: WRONG }, { env: strict });
    const body = await problem(
      await post('login', { email: user.email, password: PASSWORD }, { env: strict }),
      423,
      'account_locked',
    );
    expect(Date.parse(body.locked_until) - Date.now()).toBeLessThanOrEqual(60_000);
  });
});

describe('failing closed', () => {
  const unreachable = {
    GUARD: {
      idFromName: (name: string) => name,
      get: () => {
        throw new Error('Durable Object unreachable');
      },
    },
  };

  it('answers 503 when the Durable Object cannot be reached, without checking the password', async () => {
    const user = await registerVerified();
    await problem(
      await post('login', { email: user.email, password: PASSWORD }, { env: unreachable }),
      503,
      'service_unavailable',
    );
    expect(await failedChecks(user.email)).toBe(0);
    const sessions = await sql('SELECT count(*) AS n FROM sessions WHERE user_id = ?', user.id).first<{ n: number }>();
    expect(sessions?.n).toBe(0);
  });

  it('answers 503 on the per-IP and per-email limited endpoints too', async () => {
    await problem(await post('register', { email: uniqueEmail() }, { env: unreachable }), 503, 'service_unavailable');
    await problem(
      await post('verify-email/resend', { email: uniqueEmail() }, { env: unreachable }),
      503,
      'service_unavailable',
    );
    await problem(
      await post('password/request-reset', { email: uniqueEmail() }, { env: unreachable }),
      503,
      'service_unavailable',
    );
    const user = await signedInUser();
    await problem(
      await post('refresh', { refresh_token: user.refresh_token }, { env: unreachable }),
      503,
      'service_unavailable',
    );
    await problem(
      await post('login/mfa', { email: user.email, password: PASSWORD, mfa_code: '123456' }, { env: unreachable }),
      503,
      'service_unavailable',
    );
  });
});
