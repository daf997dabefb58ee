import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole, tokenFromLink } from '../helpers/mail';
import { codeAt, userWithMfa } from '../helpers/mfa';
import { signedInUser, sql } from '../helpers/users';
import { fakeGoogle, fakeNetwork, GOOGLE_REDIRECT, googleAccount, OAUTH_ENV } from '../oauth/fake-providers';

const net = fakeNetwork();
let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
  net.install();
});
afterEach(() => {
  net.reset();
  vi.useRealTimers();
});

/** Eleven minutes later: the sign-in is no longer recent (SPEC §11: 10 minutes). */
function laterThanRecent() {
  vi.useFakeTimers({ now: Date.now() + 11 * 60_000, toFake: ['Date'] });
}

const mfaEnable = (token: string, body?: unknown) =>
  post('mfa/enable/', body, { token, headers: { 'Content-Type': 'application/json' } });

describe('a stolen access token cannot take over the second factor', () => {
  it('mfa/enable/ keeps the seed body-less POST for a recent sign-in, and needs a proof afterwards', async () => {
    const fresh = await signedInUser();
    expect((await mfaEnable(fresh.access_token)).status).toBe(200);

    const user = await signedInUser();
    laterThanRecent();
    const body = await problem(await mfaEnable(user.access_token), 400, 'reauthentication_required');
    expect(body.detail).toMatch(/password/);
    expect(await sql('SELECT mfa_secret FROM users WHERE id = ?', user.id).first()).toEqual({ mfa_secret: null });
    await problem(await mfaEnable(user.access_token, { password: 'Wrong-Password1!' }), 400, 'invalid_password');
    expect(await sql('SELECT mfa_secret FROM users WHERE id = ?', user.id).first()).toEqual({ mfa_secret: null });
    expect((await mfaEnable(user.access_token, { password: PASSWORD })).status).toBe(200);
  });

  it('a proof renews the session: the next sensitive change within 10 minutes needs none', async () => {
    const user = await userWithMfa();
    laterThanRecent();
    await problem(
      await post('mfa/backup-codes/', undefined, { token: user.access_token }),
      400,
      'reauthentication_required',
    );
    const codes = await post('mfa/backup-codes/', { mfa_code: user.backupCodes[0] }, { token: user.access_token });
    expect(codes.status).toBe(200);
    expect((await post('mfa/backup-codes/', {}, { token: user.access_token })).status).toBe(200);
  });

  it('mfa/backup-codes/ accepts the password or a current code, and refuses wrong ones with 400', async () => {
    const user = await userWithMfa();
    laterThanRecent();
    await problem(
      await post('mfa/backup-codes/', { mfa_code: '0000-0000' }, { token: user.access_token }),
      400,
      'invalid_mfa_code',
    );
    await problem(
      await post('mfa/backup-codes/', { password: 'Wrong-Password1!' }, { token: user.access_token }),
      400,
      'invalid_password',
    );
    const codes = await json(await post('mfa/backup-codes/', { password: PASSWORD }, { token: user.access_token }));
    expect(codes.backup_codes).toHaveLength(8);
  });

  it('mfa/disable/ takes the password or a current code; a recent session alone is not enough', async () => {
    const user = await userWithMfa();
    await problem(await post('mfa/disable/', {}, { token: user.access_token }), 400, 'validation_failed');
    const later = Date.now() + 31_000;
    vi.useFakeTimers({ now: later, toFake: ['Date'] });
    const response = await post('mfa/disable/', { mfa_code: codeAt(user.secret, later) }, { token: user.access_token });
    expect(response.status).toBe(200);
    expect((await json(await get('me', { token: user.access_token }))).mfa_enabled).toBe(false);
  });

  it('rate limits password checks on password/change/ and mfa/disable/ per account', async () => {
    const user = await userWithMfa();
    const env = { RATE_LIMIT_REAUTH_ACCOUNT: '3/300' };
    for (let i = 0; i < 3; i++) {
      await problem(
        await post(
          'password/change/',
          {
            current_password: 'Wrong-Password1!',
            new_password: 'Another-Pass9!',
            new_password_confirm: 'Another-Pass9!',
          },
          { token: user.access_token, env },
        ),
        400,
        'invalid_password',
      );
    }
    const limited = await post('mfa/disable/', { password: PASSWORD }, { token: user.access_token, env });
    await problem(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect((await json(await get('me', { token: user.access_token }))).mfa_enabled).toBe(true);
  });
});

describe('linking a provider needs a fresh sign-in or a proof, and the owner hears of it', () => {
  const linkGoogle = (token: string, extra: Record<string, unknown> = {}) => {
    const account = googleAccount();
    fakeGoogle(net, account);
    return post(
      'oauth/link/',
      { provider: 'GOOGLE', code: account.code, redirect_uri: GOOGLE_REDIRECT, ...extra },
      { token, env: OAUTH_ENV },
    );
  };

  it('refuses an old session without a proof, before calling the provider', async () => {
    const user = await signedInUser();
    laterThanRecent();
    await problem(await linkGoogle(user.access_token), 400, 'reauthentication_required');
    expect(net.seen).toHaveLength(0);
    await problem(await linkGoogle(user.access_token, { password: 'Wrong-Password1!' }), 400, 'invalid_password');
    expect((await linkGoogle(user.access_token, { password: PASSWORD })).status).toBe(200);
  });

  it('emails every link with a "this wasn\'t me" link that removes it and signs out everywhere', async () => {
    const user = await signedInUser();
    const other = await post('login', { email: user.email, password: PASSWORD });
    const otherTokens = await json(other);
    expect((await linkGoogle(user.access_token)).status).toBe(200);
    const notice = logs.lastEmailTo(user.email);
    expect(notice.subject).toBe('Google was linked to your account');
    const token = tokenFromLink(notice.text, '/revoke-provider-link');

    const revoked = await post('oauth/link/revoke/', { token });
    expect(await json(revoked)).toEqual({ message: 'Google was unlinked and every session was signed out' });
    expect(await sql('SELECT count(*) AS n FROM oauth_accounts WHERE user_id = ?', user.id).first()).toEqual({ n: 0 });
    await problem(await get('me', { token: user.access_token }), 401, 'unauthorized');
    await problem(await post('refresh', { refresh_token: otherTokens.refresh_token }), 401, 'invalid_refresh_token');
    expect(logs.lastEmailTo(user.email).subject).toBe('Google was unlinked from your account');
    await problem(await post('oauth/link/revoke/', { token }), 400, 'invalid_token');
    await problem(await post('oauth/link/revoke/', { token: 'B'.repeat(43) }), 400, 'invalid_token');
  });

  it('emails the owner when a provider is unlinked', async () => {
    const user = await signedInUser();
    expect((await linkGoogle(user.access_token)).status).toBe(200);
    const unlinked = await post('oauth/unlink/', { provider: 'GOOGLE' }, { token: user.access_token, env: OAUTH_ENV });
    expect(unlinked.status).toBe(200);
    expect(logs.lastEmailTo(user.email).subject).toBe('Google was unlinked from your account');
  });
});
