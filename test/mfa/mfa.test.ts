import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newTotpSecret, otpauthUri, qrCodeDataUri } from '../../src/credentials/totp';
import { get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { codeAt, userWithMfa } from '../helpers/mfa';
import { decodeQrDataUri } from '../helpers/qr';
import { signedInUser, sql } from '../helpers/users';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => vi.useRealTimers());

/** Moves the clock forward (Date only): TOTP steps, token expiry and locks follow it. */
function advance(ms: number) {
  vi.useFakeTimers({ now: Date.now() + ms, toFake: ['Date'] });
}

/** Each answer as `status` (success) or `status code` (problem), to compare parallel results. */
async function outcomes(responses: Response[]): Promise<string[]> {
  return Promise.all(
    responses.map(async (response) =>
      response.ok ? String(response.status) : `${response.status} ${(await json(response)).code}`,
    ),
  );
}

async function mfaToken(email: string): Promise<string> {
  const body = await problem(await post('login', { email, password: PASSWORD }), 428, 'mfa_required');
  return body.mfa_token;
}

describe('POST mfa/enable/', () => {
  it('returns a 160-bit secret, its otpauth URI, an SVG QR code and 8 backup codes; MFA stays pending', async () => {
    const user = await signedInUser();
    const response = await post('mfa/enable/', undefined, {
      token: user.access_token,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(body.otpauth_url);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/Learning Platform:${user.email}`);
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: 'Learning Platform',
      secret: body.secret,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    expect(body.qr_code).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(body.backup_codes).toHaveLength(8);
    for (const code of body.backup_codes) expect(code).toMatch(/^\d{4}-\d{4}$/);
    expect(new Set(body.backup_codes).size).toBe(8);
    expect((await json(await get('me', { token: user.access_token }))).mfa_enabled).toBe(false);
    expect((await post('login', { email: user.email, password: PASSWORD })).status).toBe(200);
  });

  it('stores the secret encrypted and the backup codes keyed-hashed', async () => {
    const user = await signedInUser();
    const body = await json(await post('mfa/enable', {}, { token: user.access_token }));
    const row = await sql('SELECT mfa_secret FROM users WHERE id = ?', user.id).first<{ mfa_secret: string }>();
    expect(row?.mfa_secret).toMatch(/^v1\./);
    expect(row?.mfa_secret).not.toContain(body.secret);
    const hashes = (
      await sql('SELECT code_hash FROM backup_codes WHERE user_id = ?', user.id).all<{ code_hash: string }>()
    ).results;
    expect(hashes).toHaveLength(8);
    // Keyed with the server's pepper and bound to the user: recomputing it needs the secret.
    const key = await crypto.subtle.importKey(
      'raw',
      Uint8Array.from(atob(env.BACKUP_CODE_PEPPER as string), (c) => c.charCodeAt(0)),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const b64url = (bytes: ArrayBuffer) =>
      btoa(String.fromCharCode(...new Uint8Array(bytes)))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    const expected = await Promise.all(
      body.backup_codes.map(async (code: string) =>
        b64url(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${user.id}:${code.replace('-', '')}`))),
      ),
    );
    expect(hashes.map((h) => h.code_hash).sort()).toEqual(expected.sort());
    for (const code of body.backup_codes) {
      const plain = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(code.replace('-', ''))));
      expect(hashes.map((h) => h.code_hash)).not.toContain(plain);
    }
  });

  it('answers 409 once MFA is on', async () => {
    const user = await userWithMfa();
    await problem(await post('mfa/enable', {}, { token: user.access_token }), 409, 'mfa_already_enabled');
  });

  it('needs a signed-in user', async () => {
    await problem(await post('mfa/enable', {}), 401, 'unauthorized');
  });
});

describe('QR code to authenticator app', () => {
  it('decodes back to the otpauth URI, and a code computed from it activates MFA and signs in', async () => {
    const user = await signedInUser();
    const body = await json(await post('mfa/enable', {}, { token: user.access_token }));
    // A phone on a school's network downloads this before it can show anything.
    expect(body.qr_code.length).toBeLessThan(10_000);
    const scanned = decodeQrDataUri(body.qr_code);
    expect(scanned).toBe(body.otpauth_url);
    const secret = new URL(scanned!).searchParams.get('secret')!;
    const verified = await post('mfa/verify/', { code: codeAt(secret, Date.now()) }, { token: user.access_token });
    expect(await json(verified)).toEqual({ message: 'MFA activated successfully' });
    expect(logs.lastEmailTo(user.email).subject).toBe('Two-factor authentication is on');

    advance(60_000);
    const token = await mfaToken(user.email);
    const signedIn = await post('login/mfa/', { mfa_token: token, mfa_code: codeAt(secret, Date.now()) });
    expect(signedIn.status).toBe(200);
    expect(await json(signedIn)).toMatchObject({
      user: { id: user.id, mfa_enabled: true },
      access_token: expect.any(String),
    });
  });
});

describe('QR code drawing', () => {
  it('stays readable and small for the longest address an account can have', () => {
    const longest = `${'a'.repeat(64)}@${'b'.repeat(185)}.com`;
    const uri = otpauthUri(newTotpSecret(), 'Learning Platform', longest);
    const dataUri = qrCodeDataUri(uri);
    expect(decodeQrDataUri(dataUri)).toBe(uri);
    expect(dataUri.length).toBeLessThan(16_000);
  });
});

describe('POST mfa/verify/', () => {
  it('refuses a wrong code with 400 (signed in: no refresh loop) and keeps MFA pending', async () => {
    const user = await signedInUser();
    const body = await json(await post('mfa/enable', {}, { token: user.access_token }));
    const wrong = String((Number(codeAt(body.secret, Date.now())) + 1) % 1_000_000).padStart(6, '0');
    await problem(await post('mfa/verify', { code: wrong }, { token: user.access_token }), 400, 'invalid_mfa_code');
    await problem(
      await post('mfa/verify', { code: body.backup_codes[0] }, { token: user.access_token }),
      400,
      'validation_failed',
    );
    expect((await json(await get('me', { token: user.access_token }))).mfa_enabled).toBe(false);
  });

  it('answers 400 before enable', async () => {
    const user = await signedInUser();
    await problem(await post('mfa/verify', { code: '123456' }, { token: user.access_token }), 400, 'mfa_not_pending');
  });

  it('is rate limited per account', async () => {
    const user = await signedInUser();
    await post('mfa/enable', {}, { token: user.access_token });
    const env = { RATE_LIMIT_MFA_ACCOUNT: '2/300' };
    for (let i = 0; i < 2; i++) await post('mfa/verify', { code: '000000' }, { token: user.access_token, env });
    await problem(await post('mfa/verify', { code: '000000' }, { token: user.access_token, env }), 429, 'rate_limited');
  });
});

describe('login with MFA', () => {
  it('answers 428 with requires_mfa, user_id and mfa_token after a correct password, opening no session', async () => {
    const user = await userWithMfa();
    const before = await sql('SELECT count(*) AS n FROM sessions WHERE user_id = ?', user.id).first<{ n: number }>();
    const body = await problem(await post('login', { email: user.email, password: PASSWORD }), 428, 'mfa_required');
    expect(body).toMatchObject({ requires_mfa: true, user_id: user.id, message: 'MFA code required' });
    expect(body.mfa_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const after = await sql('SELECT count(*) AS n FROM sessions WHERE user_id = ?', user.id).first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
    await problem(await post('login', { email: user.email, password: 'Wrong-Password1!' }), 400, 'invalid_credentials');
  });

  it("accepts the seed's {email, password, mfa_code}", async () => {
    const user = await userWithMfa();
    advance(60_000);
    const response = await post('login/mfa', {
      email: user.email,
      password: PASSWORD,
      mfa_code: codeAt(user.secret, Date.now()),
    });
    expect(response.status).toBe(200);
    await problem(
      await post('login/mfa', {
        email: user.email,
        password: 'Wrong-Password1!',
        mfa_code: codeAt(user.secret, Date.now(), 1),
      }),
      400,
      'invalid_credentials',
    );
  });

  it('accepts ±1 step of drift and refuses ±2', async () => {
    const user = await userWithMfa();
    advance(10 * 60_000);
    const now = Date.now();
    for (const steps of [-2, 2]) {
      const token = await mfaToken(user.email);
      await problem(
        await post('login/mfa', { mfa_token: token, mfa_code: codeAt(user.secret, now, steps) }),
        400,
        'invalid_mfa_code',
      );
    }
    for (const steps of [-1, 1]) {
      const token = await mfaToken(user.email);
      expect((await post('login/mfa', { mfa_token: token, mfa_code: codeAt(user.secret, now, steps) })).status).toBe(
        200,
      );
    }
  });

  it('never accepts a time step twice, nor an earlier one', async () => {
    const user = await userWithMfa();
    advance(5 * 60_000);
    const code = codeAt(user.secret, Date.now());
    expect((await post('login/mfa', { mfa_token: await mfaToken(user.email), mfa_code: code })).status).toBe(200);
    await problem(
      await post('login/mfa', { mfa_token: await mfaToken(user.email), mfa_code: code }),
      400,
      'invalid_mfa_code',
    );
    const earlier = codeAt(user.secret, Date.now(), -1);
    await problem(
      await post('login/mfa', { mfa_token: await mfaToken(user.email), mfa_code: earlier }),
      400,
      'invalid_mfa_code',
    );
  });

  it('gives one success for a parallel double submit of the same code', async () => {
    const user = await userWithMfa();
    advance(5 * 60_000);
    const code = codeAt(user.secret, Date.now());
    // The seed's body: each request carries everything, so only the code's single use decides.
    const results = await Promise.all(
      Array.from({ length: 3 }, () => post('login/mfa', { email: user.email, password: PASSWORD, mfa_code: code })),
    );
    expect((await outcomes(results)).sort()).toEqual(['200', '400 invalid_mfa_code', '400 invalid_mfa_code']);
  });

  it('gives one success for two parallel uses of one MFA token, even with two valid codes', async () => {
    const user = await userWithMfa();
    advance(60_000);
    const token = await mfaToken(user.email);
    const results = await Promise.all([
      post('login/mfa', { mfa_token: token, mfa_code: codeAt(user.secret, Date.now()) }),
      post('login/mfa', { mfa_token: token, mfa_code: user.backupCodes[5] }),
    ]);
    expect((await outcomes(results)).sort()).toEqual(['200', '400 invalid_mfa_token']);
  });

  it('lets only the newest MFA token work: a new sign-in voids the previous challenge', async () => {
    const user = await userWithMfa();
    advance(60_000);
    const older = await mfaToken(user.email);
    const newer = await mfaToken(user.email);
    await problem(
      await post('login/mfa', { mfa_token: older, mfa_code: codeAt(user.secret, Date.now()) }),
      400,
      'invalid_mfa_token',
    );
    expect((await post('login/mfa', { mfa_token: newer, mfa_code: codeAt(user.secret, Date.now()) })).status).toBe(200);
  });

  it('uses the MFA token once, refuses it after 5 minutes, and never as an access token', async () => {
    const user = await userWithMfa();
    advance(60_000);
    const token = await mfaToken(user.email);
    await problem(await get('me', { token }), 401, 'unauthorized');
    await problem(await post('logout', {}, { token }), 401, 'unauthorized');
    expect((await post('login/mfa', { mfa_token: token, mfa_code: codeAt(user.secret, Date.now()) })).status).toBe(200);
    await problem(
      await post('login/mfa', { mfa_token: token, mfa_code: codeAt(user.secret, Date.now(), 1) }),
      400,
      'invalid_mfa_token',
    );

    const stale = await mfaToken(user.email);
    advance(5 * 60_000 + 1_000);
    await problem(
      await post('login/mfa', { mfa_token: stale, mfa_code: codeAt(user.secret, Date.now()) }),
      400,
      'invalid_mfa_token',
    );
    await problem(await post('login/mfa', { mfa_token: 'C'.repeat(43), mfa_code: '123456' }), 400, 'invalid_mfa_token');
  });

  it('a wrong code keeps the MFA token usable for a retry', async () => {
    const user = await userWithMfa();
    advance(60_000);
    const token = await mfaToken(user.email);
    await problem(await post('login/mfa', { mfa_token: token, mfa_code: '000000' }), 400, 'invalid_mfa_code');
    expect((await post('login/mfa', { mfa_token: token, mfa_code: codeAt(user.secret, Date.now()) })).status).toBe(200);
  });

  it('accepts each backup code once', async () => {
    const user = await userWithMfa();
    const [code] = user.backupCodes;
    expect((await post('login/mfa', { mfa_token: await mfaToken(user.email), mfa_code: code })).status).toBe(200);
    await problem(
      await post('login/mfa', { mfa_token: await mfaToken(user.email), mfa_code: code }),
      400,
      'invalid_mfa_code',
    );
    const compact = user.backupCodes[1]!.replace('-', '');
    expect((await post('login/mfa', { mfa_token: await mfaToken(user.email), mfa_code: compact })).status).toBe(200);
  });

  it('gives one success for a parallel double use of a backup code', async () => {
    const user = await userWithMfa();
    const code = user.backupCodes[2]!;
    const results = await Promise.all(
      Array.from({ length: 3 }, () => post('login/mfa', { email: user.email, password: PASSWORD, mfa_code: code })),
    );
    expect((await outcomes(results)).sort()).toEqual(['200', '400 invalid_mfa_code', '400 invalid_mfa_code']);
  });

  it('counts wrong codes towards the lockout', async () => {
    const user = await userWithMfa();
    advance(60_000);
    const token = await mfaToken(user.email);
    for (let i = 0; i < 5; i++) {
      await problem(await post('login/mfa', { mfa_token: token, mfa_code: '000000' }), 400, 'invalid_mfa_code');
    }
    await problem(
      await post('login/mfa', { mfa_token: token, mfa_code: codeAt(user.secret, Date.now()) }),
      423,
      'account_locked',
    );
    await problem(await post('login', { email: user.email, password: PASSWORD }), 423, 'account_locked');
  });

  it('a right password does not clear the failures of wrong codes: only a full sign-in does', async () => {
    const user = await userWithMfa();
    advance(60_000);
    for (let i = 0; i < 4; i++) {
      await problem(
        await post('login/mfa', { mfa_token: await mfaToken(user.email), mfa_code: '000000' }),
        400,
        'invalid_mfa_code',
      );
    }
    const token = await mfaToken(user.email); // a right password, then a fifth wrong code
    await problem(await post('login/mfa', { mfa_token: token, mfa_code: '000000' }), 400, 'invalid_mfa_code');
    await problem(await post('login', { email: user.email, password: PASSWORD }), 423, 'account_locked');
  });

  it('a full sign-in with the code clears earlier failures', async () => {
    const user = await userWithMfa();
    advance(60_000);
    for (let i = 0; i < 4; i++) await post('login', { email: user.email, password: 'Wrong-Password1!' });
    expect(
      (await post('login/mfa', { mfa_token: await mfaToken(user.email), mfa_code: codeAt(user.secret, Date.now()) }))
        .status,
    ).toBe(200);
    for (let i = 0; i < 4; i++) await post('login', { email: user.email, password: 'Wrong-Password1!' });
    await problem(await post('login', { email: user.email, password: PASSWORD }), 428, 'mfa_required');
  });

  it('rate limits MFA codes per account', async () => {
    const user = await userWithMfa();
    const env = { RATE_LIMIT_MFA_ACCOUNT: '2/300' };
    const token = await mfaToken(user.email);
    for (let i = 0; i < 2; i++) await post('login/mfa', { mfa_token: token, mfa_code: '000000' }, { env });
    await problem(await post('login/mfa', { mfa_token: token, mfa_code: '000000' }, { env }), 429, 'rate_limited');
  });

  it('refuses login/mfa for an account without MFA, and malformed codes', async () => {
    const user = await signedInUser();
    await problem(
      await post('login/mfa', { email: user.email, password: PASSWORD, mfa_code: '123456' }),
      400,
      'mfa_not_enabled',
    );
    await problem(await post('login/mfa', { mfa_token: 'x'.repeat(43), mfa_code: '12ab56' }), 400, 'validation_failed');
    const missing = await problem(await post('login/mfa', { mfa_code: '123456' }), 400, 'validation_failed');
    expect(missing.errors.map((error: { field: string }) => error.field).sort()).toEqual(['email', 'password']);
    const unknown = await problem(
      await post('login/mfa', { mfa_token: 'x'.repeat(43), mfa_code: '123456', otp: 1 }),
      400,
      'validation_failed',
    );
    expect(unknown.errors).toContainEqual({ field: 'otp', message: 'Unknown field' });
  });

  it('records failed codes in the history', async () => {
    const user = await userWithMfa();
    await post('login/mfa', { mfa_token: await mfaToken(user.email), mfa_code: '000000' });
    const row = await sql(
      'SELECT failure_reason, method FROM login_history WHERE user_id = ? AND success = 0',
      user.id,
    ).first();
    expect(row).toEqual({ failure_reason: 'invalid_mfa_code', method: 'mfa' });
  });
});

describe('POST mfa/backup-codes/', () => {
  it('issues 8 new codes and voids the old set', async () => {
    const user = await userWithMfa();
    const body = await json(
      await post('mfa/backup-codes/', undefined, {
        token: user.access_token,
        headers: { 'Content-Type': 'application/json' },
      }),
    );
    expect(body.message).toBe('Backup codes regenerated successfully');
    expect(body.backup_codes).toHaveLength(8);
    const notice = logs.lastEmailTo(user.email);
    expect(notice.subject).toBe('New backup codes were created');
    for (const code of body.backup_codes) expect(notice.text).not.toContain(code);
    await problem(
      await post('login/mfa', { mfa_token: await mfaToken(user.email), mfa_code: user.backupCodes[0] }),
      400,
      'invalid_mfa_code',
    );
    expect(
      (await post('login/mfa', { mfa_token: await mfaToken(user.email), mfa_code: body.backup_codes[0] })).status,
    ).toBe(200);
  });

  it('answers 400 without MFA', async () => {
    const user = await signedInUser();
    await problem(await post('mfa/backup-codes', {}, { token: user.access_token }), 400, 'mfa_not_enabled');
  });
});

describe('POST mfa/disable/', () => {
  it('refuses a wrong password with 400 invalid_password and keeps MFA on', async () => {
    const user = await userWithMfa();
    await problem(
      await post('mfa/disable/', { password: 'Wrong-Password1!' }, { token: user.access_token }),
      400,
      'invalid_password',
    );
    expect((await json(await get('me', { token: user.access_token }))).mfa_enabled).toBe(true);
    await problem(await post('mfa/disable', {}, { token: user.access_token }), 400, 'validation_failed');
  });

  it('turns MFA off with the password, forgets the secrets and emails a notice', async () => {
    const user = await userWithMfa();
    const response = await post('mfa/disable', { password: PASSWORD }, { token: user.access_token });
    expect(await json(response)).toEqual({ message: 'MFA disabled successfully' });
    expect(logs.lastEmailTo(user.email).subject).toBe('Two-factor authentication is off');
    expect((await post('login', { email: user.email, password: PASSWORD })).status).toBe(200);
    const row = await sql(
      'SELECT mfa_secret, (SELECT count(*) FROM backup_codes WHERE user_id = users.id) AS codes FROM users WHERE id = ?',
      user.id,
    ).first();
    expect(row).toEqual({ mfa_secret: null, codes: 0 });
    await problem(
      await post('mfa/disable', { password: PASSWORD }, { token: user.access_token }),
      400,
      'mfa_not_enabled',
    );
  });

  it('writes audit entries for the MFA lifecycle, with no secret in them', async () => {
    const user = await userWithMfa();
    await post('mfa/disable', { password: PASSWORD }, { token: user.access_token });
    const rows = (
      await sql(
        "SELECT event, details FROM audit_log WHERE user_id = ? AND event LIKE 'mfa.%' ORDER BY created_at",
        user.id,
      ).all<{ event: string; details: string | null }>()
    ).results;
    expect(rows.map((r) => r.event)).toEqual(['mfa.enable_started', 'mfa.enabled', 'mfa.disabled']);
    expect(JSON.stringify(rows)).not.toContain(user.secret);
    expect(logs.lines.join('\n')).not.toContain(user.secret);
  });
});
