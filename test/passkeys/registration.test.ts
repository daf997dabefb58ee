import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { del, get, json, PASSWORD, post, problem, call as send } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { attemptRegistration, creationOptions, ORIGIN, withClientData, withPasskey } from '../helpers/passkeys';
import { SoftwareAuthenticator, type SoftwareKeyAlgorithm } from '../helpers/software-authenticator';
import { signedInUser, sql } from '../helpers/users';

let logs: ReturnType<typeof captureConsole>;
beforeEach(() => {
  logs = captureConsole();
});
afterEach(() => vi.useRealTimers());

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

async function auditOf(userId: string, event: string) {
  const rows = await sql(
    'SELECT details FROM audit_log WHERE user_id = ? AND event = ? ORDER BY created_at',
    userId,
    event,
  ).all<{ details: string }>();
  return rows.results.map((row) => JSON.parse(row.details));
}

const call = (method: string, path: string, token: string, body?: unknown) =>
  send(method, `/api/auth/${path}`, { token, body });

const passkeyCount = async (userId: string) =>
  (await sql('SELECT count(*) AS n FROM passkeys WHERE user_id = ?', userId).first<{ n: number }>())?.n;

describe('POST passkeys/register/options/', () => {
  it('asks for a discoverable credential for this account and stores its challenge hashed, once', async () => {
    const user = await signedInUser();
    const options = await creationOptions(user.access_token);
    expect(options).toMatchObject({
      rp: { id: 'localhost', name: 'Learning Platform' },
      user: { name: user.email },
      attestation: 'none',
      timeout: 300_000,
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true },
      excludeCredentials: [],
    });
    const stored = await sql(
      "SELECT challenge_hash, user_id, expires_at - created_at AS ttl FROM webauthn_challenges WHERE ceremony = 'registration'",
    ).all<{ challenge_hash: string; user_id: string; ttl: number }>();
    expect(stored.results).toEqual([{ challenge_hash: expect.any(String), user_id: user.id, ttl: 300_000 }]);
    expect(stored.results[0]!.challenge_hash).not.toBe(options.challenge);
  });

  it('excludes the passkeys already registered', async () => {
    const user = await signedInUser();
    const { authenticator } = await withPasskey(user.access_token);
    const options = await creationOptions(user.access_token);
    expect(options.excludeCredentials).toEqual([
      { id: authenticator.passkeys[0]!.id, type: 'public-key', transports: ['internal', 'hybrid'] },
    ]);
    // The same authenticator refuses, as a browser would (InvalidStateError).
    await expect(authenticator.create(options, { origin: ORIGIN })).rejects.toThrow(/excluded/);
  });

  it('needs a recent sign-in, or the password', async () => {
    const user = await signedInUser();
    vi.useFakeTimers({ now: Date.now() + 11 * 60_000, toFake: ['Date'] });
    const stale = await problem(
      await post('passkeys/register/options', {}, { token: user.access_token }),
      400,
      'reauthentication_required',
    );
    expect(stale.detail).toMatch(/password/);
    await problem(
      await post('passkeys/register/options', { password: 'Wrong-Horse9!' }, { token: user.access_token }),
      400,
      'invalid_password',
    );
    const options = await creationOptions(user.access_token, { password: PASSWORD });
    // The proof renewed the session's sign-in time: register/ needs no second proof.
    const credential = await new SoftwareAuthenticator().create(options, { origin: ORIGIN });
    const registered = await post('passkeys/register', { response: credential }, { token: user.access_token });
    expect(registered.status).toBe(201);
  });

  it('refuses unknown fields and callers without a token', async () => {
    const user = await signedInUser();
    const extra = await problem(
      await post('passkeys/register/options', { email: user.email }, { token: user.access_token }),
      400,
      'validation_failed',
    );
    expect(extra.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    await problem(await post('passkeys/register/options', {}), 401, 'unauthorized');
  });
});

describe('POST passkeys/register/', () => {
  it.each<SoftwareKeyAlgorithm>(['ES256', 'EdDSA'])(
    'registers a %s passkey, audits it and emails the owner',
    async (algorithm) => {
      const user = await signedInUser();
      const response = await attemptRegistration(
        user.access_token,
        new SoftwareAuthenticator(),
        { algorithm },
        { name: '  YubiKey 5  ' },
      );
      expect(response.status).toBe(201);
      const { passkey } = await json(response);
      expect(passkey).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'YubiKey 5',
        created_at: expect.any(String),
        last_used_at: null,
        backed_up: true,
        device_type: 'multiDevice',
      });
      expect(await auditOf(user.id, 'passkey.registered')).toEqual([
        { id: passkey.id, name: 'YubiKey 5', device_type: 'multiDevice', backed_up: true },
      ]);
      const notice = logs.lastEmailTo(user.email);
      expect(notice.subject).toBe('A passkey was added to your account');
      expect(notice.text).toContain('"YubiKey 5"');
      expect(notice.text).toContain('http://localhost:3000/settings/passkeys');
    },
  );

  it('names the passkey after the browser and system unless told, and tells French users in French', async () => {
    const user = await signedInUser();
    await sql("UPDATE users SET locale = 'fr' WHERE id = ?", user.id).run();
    const options = await creationOptions(user.access_token);
    const credential = await new SoftwareAuthenticator().create(options, { origin: ORIGIN });
    const response = await post(
      'passkeys/register',
      { response: credential },
      { token: user.access_token, headers: { 'User-Agent': CHROME_MAC } },
    );
    expect((await json(response)).passkey.name).toBe('Chrome on Mac OS 10.15.7');
    expect(logs.lastEmailTo(user.email).subject).toBe('Une clé d’accès a été ajoutée à votre compte');
  });

  it.each([
    ['a page of an origin not allowed', { origin: 'https://evil.example' }, /origin is not allowed/],
    ['a passkey made for another RP ID', { rpId: 'evil.example' }, /another site/],
  ])('refuses %s, and stores nothing', async (_case, context, detail) => {
    const user = await signedInUser();
    const refused = await problem(
      await attemptRegistration(user.access_token, new SoftwareAuthenticator(), context),
      400,
      'passkey_rejected',
    );
    expect(refused.detail).toMatch(detail);
    expect(await passkeyCount(user.id)).toBe(0);
  });

  it('takes each challenge once: a replayed response is refused', async () => {
    const user = await signedInUser();
    const options = await creationOptions(user.access_token);
    const credential = await new SoftwareAuthenticator().create(options, { origin: ORIGIN });
    expect((await post('passkeys/register', { response: credential }, { token: user.access_token })).status).toBe(201);
    const replay = await problem(
      await post('passkeys/register', { response: credential }, { token: user.access_token }),
      400,
      'passkey_rejected',
    );
    expect(replay.detail).toMatch(/expired or was already used/);
    expect(await passkeyCount(user.id)).toBe(1);
  });

  it('refuses a challenge older than 5 minutes', async () => {
    const user = await signedInUser();
    const options = await creationOptions(user.access_token);
    const credential = await new SoftwareAuthenticator().create(options, { origin: ORIGIN });
    await sql("UPDATE webauthn_challenges SET expires_at = ? WHERE ceremony = 'registration'", Date.now() - 1).run();
    await problem(
      await post('passkeys/register', { response: credential }, { token: user.access_token }),
      400,
      'passkey_rejected',
    );
    expect(await passkeyCount(user.id)).toBe(0);
  });

  it('refuses a challenge issued to another user, and a sign-in challenge', async () => {
    const [alice, mallory] = [await signedInUser(), await signedInUser()];
    const options = await creationOptions(alice.access_token);
    const credential = await new SoftwareAuthenticator().create(options, { origin: ORIGIN });
    await problem(
      await post('passkeys/register', { response: credential }, { token: mallory.access_token }),
      400,
      'passkey_rejected',
    );
    const signInOptions = (await json(await post('login/passkey/options', {}))).options;
    const wrongCeremony = await new SoftwareAuthenticator().create(
      { ...options, challenge: signInOptions.challenge },
      { origin: ORIGIN },
    );
    await problem(
      await post('passkeys/register', { response: wrongCeremony }, { token: alice.access_token }),
      400,
      'passkey_rejected',
    );
    // Alice's own challenge is still good: the refusals did not use it up.
    expect((await post('passkeys/register', { response: credential }, { token: alice.access_token })).status).toBe(201);
  });

  it('refuses a credential ID that is already registered (a replayed attestation)', async () => {
    const [alice, mallory] = [await signedInUser(), await signedInUser()];
    const options = await creationOptions(alice.access_token);
    const credential = await new SoftwareAuthenticator().create(options, { origin: ORIGIN });
    expect((await post('passkeys/register', { response: credential }, { token: alice.access_token })).status).toBe(201);
    // `none` attestation signs nothing: Mallory can wrap Alice's credential in her own challenge.
    const forged = withClientData(credential, {
      type: 'webauthn.create',
      challenge: (await creationOptions(mallory.access_token)).challenge,
      origin: ORIGIN,
      crossOrigin: false,
    });
    await problem(
      await post('passkeys/register', { response: forged }, { token: mallory.access_token }),
      409,
      'conflict',
    );
    expect(await passkeyCount(mallory.id)).toBe(0);
  });

  it('refuses responses that are not WebAuthn credentials, without a 500', async () => {
    const user = await signedInUser();
    const options = await creationOptions(user.access_token);
    const credential = await new SoftwareAuthenticator().create(options, { origin: ORIGIN });
    const bodies: unknown[] = [
      {},
      { response: 'nope' },
      { response: { ...credential, type: 'password' } },
      { response: { ...credential, response: { ...credential.response, attestationObject: 'not base64!' } } },
      { response: credential, name: '' },
      { response: credential, name: 'x'.repeat(65) },
      { response: credential, name: 'tab\there' },
      { response: credential, surprise: true },
    ];
    for (const body of bodies) {
      await problem(await post('passkeys/register', body, { token: user.access_token }), 400, 'validation_failed');
    }
    const garbled = [
      withClientData(credential, { type: 'webauthn.create' }),
      { ...credential, response: { ...credential.response, clientDataJSON: 'AAAA' } },
      { ...credential, response: { ...credential.response, attestationObject: 'AAAA' } },
    ];
    for (const response of garbled) {
      await problem(
        await post('passkeys/register', { response }, { token: user.access_token }),
        400,
        'passkey_rejected',
      );
    }
    expect(await passkeyCount(user.id)).toBe(0);
  });
});

describe('GET, PATCH and DELETE passkeys/', () => {
  it('lists the passkeys, oldest first, without anything secret', async () => {
    const user = await signedInUser();
    await withPasskey(user.access_token, {}, { name: 'First' });
    await withPasskey(user.access_token, {}, { name: 'Second' });
    const listed = await get('passkeys', { token: user.access_token });
    expect(listed.status).toBe(200);
    const body = await json<Array<Record<string, unknown>>>(listed);
    expect(body.map((passkey) => passkey.name)).toEqual(['First', 'Second']);
    expect(Object.keys(body[0]!).sort()).toEqual(
      ['backed_up', 'created_at', 'device_type', 'id', 'last_used_at', 'name'].sort(),
    );
    expect(await json(await get('passkeys/', { token: (await signedInUser()).access_token }))).toEqual([]);
  });

  it('renames one, audited; 404 for a passkey of someone else', async () => {
    const [alice, bob] = [await signedInUser(), await signedInUser()];
    const { passkey } = await withPasskey(alice.access_token);
    const renamed = await call('PATCH', `passkeys/${passkey.id}/`, alice.access_token, { name: 'Work laptop' });
    expect(renamed.status).toBe(200);
    expect((await json(renamed)).passkey).toMatchObject({ id: passkey.id, name: 'Work laptop' });
    expect(await auditOf(alice.id, 'passkey.renamed')).toEqual([{ id: passkey.id, name: 'Work laptop' }]);

    await problem(await call('PATCH', `passkeys/${passkey.id}`, bob.access_token, { name: 'Mine' }), 404, 'not_found');
    await problem(
      await call('PATCH', `passkeys/not-a-uuid`, alice.access_token, { name: 'x' }),
      400,
      'validation_failed',
    );
    await problem(await call('PATCH', `passkeys/${passkey.id}`, alice.access_token, {}), 400, 'validation_failed');
    expect((await json(await get('passkeys', { token: alice.access_token })))[0].name).toBe('Work laptop');
  });

  it('deletes one, audited; 404 for a passkey of someone else or already deleted', async () => {
    const [alice, bob] = [await signedInUser(), await signedInUser()];
    const { passkey } = await withPasskey(alice.access_token);
    await problem(await del(`passkeys/${passkey.id}`, { token: bob.access_token }), 404, 'not_found');
    const deleted = await del(`passkeys/${passkey.id}/`, { token: alice.access_token });
    expect(deleted.status).toBe(200);
    expect(await json(deleted)).toEqual({ message: 'Passkey deleted successfully' });
    expect(await auditOf(alice.id, 'passkey.deleted')).toEqual([{ id: passkey.id, name: passkey.name }]);
    await problem(await del(`passkeys/${passkey.id}`, { token: alice.access_token }), 404, 'not_found');
    await problem(await del('passkeys/123', { token: alice.access_token }), 400, 'validation_failed');
  });

  it('refuses to delete the last way to sign in of a password-less user, even in parallel', async () => {
    const user = await signedInUser();
    const first = await withPasskey(user.access_token);
    const second = await withPasskey(user.access_token);
    await sql('UPDATE users SET password_hash = NULL WHERE id = ?', user.id).run();

    const answers = await Promise.all(
      [first, second].map(({ passkey }) => del(`passkeys/${passkey.id}`, { token: user.access_token })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    const refused = await problem(answers.find((answer) => answer.status === 400)!, 400, 'last_sign_in_method');
    expect(refused.detail).toMatch(/only way left to sign in/);
    expect(await passkeyCount(user.id)).toBe(1);
  });
});
