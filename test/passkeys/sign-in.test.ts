import { decodeJwt } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { del, get, json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { userWithMfa } from '../helpers/mfa';
import { assertion, passkeySignIn, requestOptions, withPasskey } from '../helpers/passkeys';
import type { SoftwareKeyAlgorithm } from '../helpers/software-authenticator';
import { signedInUser, sql } from '../helpers/users';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});

/** The internal reason of the last refusal, from the request's log line (never in the answer). */
function loggedReason(): string | undefined {
  const entries = logs.lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line);
      return entry?.reason ? [entry.reason as string] : [];
    } catch {
      return [];
    }
  });
  return entries.at(-1);
}

/** The one answer of every failed assertion: nothing says which check failed. */
async function refused(response: Response, reason: string) {
  const body = await problem(response, 400, 'invalid_credentials');
  expect(body.detail).toBe('The passkey could not be verified; try again');
  expect(loggedReason()).toBe(reason);
}

async function historyOf(userId: string) {
  return (
    await sql(
      'SELECT success, failure_reason, method, suspicious FROM login_history WHERE user_id = ? ORDER BY created_at',
      userId,
    ).all<{ success: number; failure_reason: string | null; method: string; suspicious: number }>()
  ).results;
}

async function auditOf(userId: string, event: string) {
  const rows = await sql('SELECT details FROM audit_log WHERE user_id = ? AND event = ?', userId, event).all<{
    details: string;
  }>();
  return rows.results.map((row) => JSON.parse(row.details));
}

const storedPasskey = (id: string) =>
  sql('SELECT counter, last_used_at FROM passkeys WHERE id = ?', id).first<{
    counter: number;
    last_used_at: number | null;
  }>();

describe('POST login/passkey/options/', () => {
  it('names no account and requires user verification; the challenge is stored for 5 minutes', async () => {
    const options = await requestOptions();
    expect(options).toEqual({
      rpId: 'localhost',
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      timeout: 300_000,
      userVerification: 'required',
    });
    const stored = await sql(
      "SELECT user_id, expires_at - created_at AS ttl FROM webauthn_challenges WHERE ceremony = 'authentication'",
    ).all();
    expect(stored.results).toEqual([{ user_id: null, ttl: 300_000 }]);
  });

  it('takes an empty body or {} and nothing else', async () => {
    expect((await post('login/passkey/options')).status).toBe(200);
    await problem(await post('login/passkey/options', { email: 'a@example.com' }), 400, 'validation_failed');
  });
});

describe('POST login/passkey/', () => {
  it.each<SoftwareKeyAlgorithm>(['ES256', 'EdDSA'])(
    'signs in with a %s passkey: a session with amr passkey, history, counter and last use',
    async (algorithm) => {
      const user = await signedInUser();
      const { authenticator, passkey } = await withPasskey(user.access_token, { algorithm });
      const response = await passkeySignIn(await assertion(authenticator), { remember_me: true });
      expect(response.status).toBe(200);
      const body = await json(response);
      expect(body).toMatchObject({
        user: { id: user.id, email: user.email },
        refresh_token: expect.any(String),
        expires_at: expect.any(String),
        message: 'Passkey authentication successful',
      });
      expect(decodeJwt(body.access_token).amr).toEqual(['passkey']);
      const me = await get('me', { token: body.access_token });
      expect(me.status).toBe(200);
      expect((await json(me)).id).toBe(user.id);

      const session = await sql(
        'SELECT amr, remember_me FROM sessions WHERE id = ?',
        decodeJwt(body.access_token).sid,
      ).first<{ amr: string; remember_me: number }>();
      expect(session).toEqual({ amr: '["passkey"]', remember_me: 1 });
      expect((await historyOf(user.id)).at(-1)).toEqual({
        success: 1,
        failure_reason: null,
        method: 'passkey',
        suspicious: 0,
      });
      expect(await storedPasskey(passkey.id)).toEqual({ counter: 1, last_used_at: expect.any(Number) });
      const again = await passkeySignIn(await assertion(authenticator));
      expect(again.status).toBe(200);
      expect((await storedPasskey(passkey.id))?.counter).toBe(2);
    },
  );

  it('satisfies MFA: a user with TOTP on gets the session directly, never a 428', async () => {
    const user = await userWithMfa();
    const { authenticator } = await withPasskey(user.access_token);
    await problem(await post('login', { email: user.email, password: PASSWORD }), 428, 'mfa_required');
    const response = await passkeySignIn(await assertion(authenticator));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.user.mfa_enabled).toBe(true);
    expect(decodeJwt(body.access_token).amr).toEqual(['passkey']);
  });

  it('refuses an assertion made on a page of an origin not allowed', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    await refused(
      await passkeySignIn(await assertion(authenticator, { origin: 'https://evil.example' })),
      'passkey_origin_mismatch',
    );
    // Audited and in the owner's history, with the precise reason kept internal.
    expect(await auditOf(user.id, 'login.failed')).toEqual([
      { reason: expect.stringMatching(/^passkey_origin_mismatch: /), email: user.email },
    ]);
    expect((await historyOf(user.id)).at(-1)).toMatchObject({
      success: 0,
      failure_reason: 'invalid_credentials',
      method: 'passkey',
    });
  });

  it('refuses an assertion signed for another RP ID', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    await refused(
      await passkeySignIn(await assertion(authenticator, { rpId: 'evil.example' })),
      'passkey_rp_id_mismatch',
    );
  });

  it('refuses without user verification (presence only)', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    await refused(
      await passkeySignIn(await assertion(authenticator, { userVerified: false })),
      'passkey_user_not_verified',
    );
  });

  it('refuses a signature by a key it never registered', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    await refused(
      await passkeySignIn(await assertion(authenticator, { signWithAnotherKey: true })),
      'passkey_bad_signature',
    );
  });

  it('takes each challenge once: a replayed assertion is refused', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    const response = await assertion(authenticator);
    expect((await passkeySignIn(response)).status).toBe(200);
    await refused(await passkeySignIn(response), 'passkey_challenge_invalid');
  });

  it('lets exactly one of two parallel uses of one assertion through', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    const response = await assertion(authenticator);
    const answers = await Promise.all([passkeySignIn(response), passkeySignIn(response), passkeySignIn(response)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400]);
    const sessions = await sql('SELECT count(*) AS n FROM sessions WHERE user_id = ?', user.id).first<{ n: number }>();
    expect(sessions?.n).toBe(2);
  });

  it('refuses a challenge older than 5 minutes, and a registration challenge', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    const stale = await assertion(authenticator);
    await sql("UPDATE webauthn_challenges SET expires_at = ? WHERE ceremony = 'authentication'", Date.now() - 1).run();
    await refused(await passkeySignIn(stale), 'passkey_challenge_invalid');

    const creation = (await json(await post('passkeys/register/options', {}, { token: user.access_token }))).options;
    const wrongCeremony = await authenticator.get(
      { challenge: creation.challenge, rpId: 'localhost', userVerification: 'required' },
      { origin: 'http://localhost:3000' },
    );
    await refused(await passkeySignIn(wrongCeremony), 'passkey_challenge_invalid');
  });

  it('refuses a signature counter that went backwards: audited, and the owner is emailed', async () => {
    const user = await signedInUser();
    const { authenticator, passkey } = await withPasskey(user.access_token, {}, { name: 'Phone' });
    for (let i = 0; i < 3; i++) expect((await passkeySignIn(await assertion(authenticator))).status).toBe(200);

    // A copy of the key on another device, whose counter started over.
    await refused(await passkeySignIn(await assertion(authenticator, { signCount: 1 })), 'passkey_counter_regression');
    expect(await auditOf(user.id, 'passkey.clone_detected')).toEqual([
      { id: passkey.id, name: 'Phone', stored_counter: 3, reported_counter: 1 },
    ]);
    const alert = logs.lastEmailTo(user.email);
    expect(alert.subject).toBe('A sign-in with a copy of your passkey was refused');
    expect(alert.text).toContain('"Phone"');
    expect((await storedPasskey(passkey.id))?.counter).toBe(3);
  });

  it('accepts authenticators without a counter (always 0), as synced passkeys are', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    for (let i = 0; i < 2; i++) {
      expect((await passkeySignIn(await assertion(authenticator, { signCount: 0 }))).status).toBe(200);
    }
  });

  it("refuses a passkey presented as another user's (user handle of someone else)", async () => {
    const [alice, bob] = [await signedInUser(), await signedInUser()];
    const { authenticator } = await withPasskey(alice.access_token);
    const response = await assertion(authenticator);
    const bobHandle = btoa(bob.id).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const forged = { ...response, response: { ...response.response, userHandle: bobHandle } };
    await refused(await passkeySignIn(forged), 'passkey_user_handle_mismatch');
    expect(await historyOf(bob.id)).toEqual([expect.objectContaining({ success: 1, method: 'password' })]);
  });

  it('refuses a deleted passkey', async () => {
    const user = await signedInUser();
    const { authenticator, passkey } = await withPasskey(user.access_token);
    expect((await del(`passkeys/${passkey.id}`, { token: user.access_token })).status).toBe(200);
    await refused(await passkeySignIn(await assertion(authenticator)), 'passkey_unknown');
    // The handle still names the account: the attempt shows in its history.
    expect((await historyOf(user.id)).at(-1)).toMatchObject({ success: 0, method: 'passkey' });
  });

  it.each([
    ['suspended', 'UPDATE users SET is_suspended = 1 WHERE id = ?', 'account_suspended'],
    ['disabled', 'UPDATE users SET is_active = 0 WHERE id = ?', 'account_disabled'],
    ['unverified', 'UPDATE users SET is_email_verified = 0 WHERE id = ?', 'email_not_verified'],
  ])('refuses a %s account with 403, as login/ does', async (_state, update, code) => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    await sql(update, user.id).run();
    await problem(await passkeySignIn(await assertion(authenticator)), 403, code);
    expect((await historyOf(user.id)).at(-1)).toMatchObject({ success: 0, failure_reason: code, method: 'passkey' });
  });

  it('answers 423 while the email is locked, without extending the lock', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    for (let i = 0; i < 5; i++) await post('login', { email: user.email, password: 'Wrong-Horse9!' });
    const locked = await problem(await passkeySignIn(await assertion(authenticator)), 423, 'account_locked');
    expect(locked.locked_until).toEqual(expect.any(String));
    const again = await problem(await passkeySignIn(await assertion(authenticator)), 423, 'account_locked');
    expect(again.locked_until).toBe(locked.locked_until);
  });

  it('flags a sign-in from a new country as suspicious and alerts the owner', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    const abroad = { cf: { country: 'BR', city: 'Recife' } };
    const response = await passkeySignIn(await assertion(authenticator), {}, abroad);
    expect(response.status).toBe(200);
    expect((await historyOf(user.id)).at(-1)).toMatchObject({ success: 1, method: 'passkey', suspicious: 1 });
    expect(logs.lastEmailTo(user.email).subject).toBe('New sign-in to your account');
  });

  it('refuses malformed responses with the same 400, and bodies that break the schema with 400 validation_failed', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    const good = await assertion(authenticator);
    await refused(
      await passkeySignIn({ ...good, response: { ...good.response, clientDataJSON: 'AAAA' } }),
      'passkey_malformed_response',
    );
    await refused(
      await passkeySignIn({ ...good, response: { ...good.response, authenticatorData: 'AAAA' } }),
      'passkey_malformed_response',
    );
    for (const body of [
      {},
      { response: good, remember_me: 'yes' },
      { response: good, email: user.email },
      { response: { ...good, id: '' } },
    ]) {
      await problem(await post('login/passkey', body), 400, 'validation_failed');
    }
  });

  it('rate limits both endpoints per IP (429 with Retry-After)', async () => {
    const env = { RATE_LIMIT_LOGIN_IP: '2/60' };
    const ip = { 'CF-Connecting-IP': '198.51.100.77' };
    expect((await post('login/passkey/options', {}, { env, headers: ip })).status).toBe(200);
    expect((await post('login/passkey', {}, { env, headers: ip })).status).toBe(400);
    const limited = await post('login/passkey/options', {}, { env, headers: ip });
    await problem(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    await problem(await post('login/passkey', {}, { env, headers: ip }), 429, 'rate_limited');
  });
});
