import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, PASSWORD, post, problem } from '../helpers/api';
import { captureConsole, tokenFromLink } from '../helpers/mail';
import { registerVerified, sql, uniqueEmail, usernameFor } from '../helpers/users';
import {
  dbState,
  fakeGitHub,
  fakeGoogle,
  fakeNetwork,
  GOOGLE_REDIRECT,
  githubAccount,
  googleAccount,
  OAUTH_ENV,
} from './fake-providers';

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

const ATTACKER_PASSWORD = 'Attacker-Chosen9!';

/** Someone registers the victim's address with a password of their own, and never verifies it. */
async function squat(email: string) {
  const registered = await post('register', {
    email,
    username: usernameFor(email),
    password: ATTACKER_PASSWORD,
    password_confirm: ATTACKER_PASSWORD,
  });
  expect(registered.status).toBe(201);
  const mail = logs.lastEmailTo(email);
  return {
    id: (await json(registered)).user.id as string,
    verifyToken: tokenFromLink(mail.text, '/verify-email'),
    declineToken: tokenFromLink(mail.text, '/cancel-registration'),
  };
}

const googleSignIn = (account: ReturnType<typeof googleAccount>, ip?: string) => {
  fakeGoogle(net, account);
  const headers = ip ? { 'CF-Connecting-IP': ip } : undefined;
  return post('oauth/google/', { code: account.code, redirect_uri: GOOGLE_REDIRECT }, { env: OAUTH_ENV, headers });
};

describe('an unverified account is only a claim on its address', () => {
  it("Google's proof wins: the squatter's account goes, with its pending tokens, and the owner gets a new one", async () => {
    const email = uniqueEmail('victim');
    const squatter = await squat(email);
    const response = await googleSignIn(googleAccount({ email }));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.is_new_user).toBe(true);
    expect(body.user).toMatchObject({ email, is_email_verified: true });
    expect(body.user.id).not.toBe(squatter.id);

    expect(await sql('SELECT count(*) AS n FROM users WHERE id = ?', squatter.id).first()).toEqual({ n: 0 });
    expect(await sql('SELECT password_hash FROM users WHERE id = ?', body.user.id).first()).toEqual({
      password_hash: null,
    });
    // The squatter's password opens nothing, and the link they received verifies nothing.
    await problem(await post('login', { email, password: ATTACKER_PASSWORD }), 400, 'invalid_credentials');
    await problem(await post('verify-email', { token: squatter.verifyToken }), 400, 'invalid_token');
    const audit = await sql(
      "SELECT details FROM audit_log WHERE event = 'user.unverified_claim_removed' AND user_id = ?",
      squatter.id,
    ).first<{ details: string }>();
    expect(JSON.parse(audit!.details)).toEqual({ replaced_by: body.user.id, provider: 'GOOGLE' });
  });

  it("GitHub's verified primary address wins the same way", async () => {
    const email = uniqueEmail('victim');
    const squatter = await squat(email);
    const account = githubAccount({ emails: [{ email, primary: true, verified: true, visibility: null }] });
    fakeGitHub(net, account);
    const body = await json(await post('oauth/github/', { code: account.code }, { env: OAUTH_ENV }));
    expect(body).toMatchObject({ is_new_user: true, user: { email } });
    expect(body.user.id).not.toBe(squatter.id);
    await problem(await post('login', { email, password: ATTACKER_PASSWORD }), 400, 'invalid_credentials');
  });

  it('an account verified in the normal way keeps its password when Google links by email', async () => {
    const owner = await registerVerified();
    const body = await json(await googleSignIn(googleAccount({ email: owner.email })));
    expect(body).toMatchObject({ is_new_user: false, user: { id: owner.id } });
    expect((await post('login', { email: owner.email, password: PASSWORD })).status).toBe(200);
  });

  it('"this wasn\'t me" in the verification email deletes the unverified account and frees the address', async () => {
    const email = uniqueEmail('victim');
    const squatter = await squat(email);
    const declined = await post('verify-email/decline/', { token: squatter.declineToken });
    expect(declined.status).toBe(200);
    expect(await json(declined)).toEqual({ message: 'The account was deleted; this email address is free again' });
    expect(await sql('SELECT count(*) AS n FROM users WHERE id = ?', squatter.id).first()).toEqual({ n: 0 });
    const again = await post('register', {
      email,
      username: `${usernameFor(email)}2`.slice(0, 30),
      password: PASSWORD,
      password_confirm: PASSWORD,
    });
    expect(again.status).toBe(201);
    // The link works once, and the verification link of the deleted account is dead too.
    await problem(await post('verify-email/decline/', { token: squatter.declineToken }), 400, 'invalid_token');
    await problem(await post('verify-email', { token: squatter.verifyToken }), 400, 'invalid_token');
  });

  it('never deletes a verified account, nor anything for an unknown or malformed token', async () => {
    const email = uniqueEmail('owner');
    const claim = await squat(email);
    expect((await post('verify-email', { token: claim.verifyToken })).status).toBe(200);
    const before = await dbState();
    await problem(await post('verify-email/decline/', { token: claim.declineToken }), 400, 'invalid_token');
    await problem(await post('verify-email/decline/', { token: 'A'.repeat(43) }), 400, 'invalid_token');
    await problem(await post('verify-email/decline/', { token: 'short' }), 400, 'validation_failed');
    await problem(await post('verify-email/decline/', {}), 400, 'validation_failed');
    expect(await dbState()).toEqual(before);
  });
});

describe('a locked email answers 423 to every sign-in method', () => {
  it('refuses a Google sign-in into a locked account, without extending or clearing the lock', async () => {
    const owner = await registerVerified();
    for (let i = 0; i < 5; i++) await post('login', { email: owner.email, password: 'Wrong-Password1!' });
    const first = await problem(await googleSignIn(googleAccount({ email: owner.email })), 423, 'account_locked');
    vi.useFakeTimers({ now: Date.now() + 60_000, toFake: ['Date'] });
    const again = await problem(await googleSignIn(googleAccount({ email: owner.email })), 423, 'account_locked');
    expect(again.locked_until).toBe(first.locked_until);
    // Another client's refusal is recorded too; a client's repeats during the lock are only counted.
    await problem(await googleSignIn(googleAccount({ email: owner.email }), '198.51.100.77'), 423, 'account_locked');
    expect(await sql('SELECT count(*) AS n FROM oauth_accounts WHERE user_id = ?', owner.id).first()).toEqual({
      n: 0,
    });
    const history = await sql(
      "SELECT failure_reason, method FROM login_history WHERE user_id = ? AND method = 'oauth_google'",
      owner.id,
    ).all();
    expect(history.results).toEqual([
      { failure_reason: 'account_locked', method: 'oauth_google' },
      { failure_reason: 'account_locked', method: 'oauth_google' },
    ]);
  });

  it('refuses to create an account from a provider for a locked address', async () => {
    const email = uniqueEmail('locked');
    for (let i = 0; i < 5; i++) await post('login', { email, password: 'Wrong-Password1!' });
    const before = await dbState();
    await problem(await googleSignIn(googleAccount({ email })), 423, 'account_locked');
    expect(await dbState()).toEqual(before);
  });
});
