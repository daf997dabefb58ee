import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CallOptions, json, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { signedInUser, sql } from '../helpers/users';
import {
  dbState,
  fakeGitHub,
  fakeGoogle,
  fakeNetwork,
  type GitHubAccount,
  GOOGLE_REDIRECT,
  type GoogleAccount,
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
  logs.restore();
});

const withEnv = (options: CallOptions = {}) => ({ ...options, env: { ...OAUTH_ENV, ...options.env } });
const link = (token: string, body: Record<string, unknown>, options: CallOptions = {}) =>
  post('oauth/link/', body, withEnv({ ...options, token }));
const unlink = (token: string, body: Record<string, unknown> = {}) => post('oauth/unlink/', body, withEnv({ token }));
const linkGoogle = (token: string, account: GoogleAccount) => {
  fakeGoogle(net, account);
  return link(token, { provider: 'GOOGLE', code: account.code, redirect_uri: GOOGLE_REDIRECT });
};
const linkGitHub = (token: string, account: GitHubAccount) => {
  fakeGitHub(net, account);
  return link(token, { provider: 'GITHUB', code: account.code });
};

/** A user who signed up with Google only: no password. */
async function googleOnlyUser() {
  const account = googleAccount();
  fakeGoogle(net, account);
  const body = await json(await post('oauth/google', { code: account.code, redirect_uri: GOOGLE_REDIRECT }, withEnv()));
  return { account, id: body.user.id as string, token: body.access_token as string };
}

const linksOf = async (userId: string) =>
  (
    await sql('SELECT provider FROM oauth_accounts WHERE user_id = ? ORDER BY provider', userId).all<{
      provider: string;
    }>()
  ).results.map((row) => row.provider);

describe('POST oauth/link/', () => {
  it('links a Google account with another email to the signed-in user, who can then sign in with it', async () => {
    const user = await signedInUser();
    const account = googleAccount();
    const response = await linkGoogle(user.access_token, account);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ message: 'GOOGLE account linked successfully' });
    expect(await linksOf(user.id)).toEqual(['GOOGLE']);

    const signIn = await json(
      await post('oauth/google', { code: account.code, redirect_uri: GOOGLE_REDIRECT }, withEnv()),
    );
    expect(signIn).toMatchObject({ is_new_user: false, user: { id: user.id, email: user.email } });

    const audit = await sql(
      "SELECT details FROM audit_log WHERE user_id = ? AND event = 'oauth.linked'",
      user.id,
    ).first<{ details: string }>();
    expect(JSON.parse(audit!.details)).toEqual({
      provider: 'GOOGLE',
      provider_account_id: account.sub,
      via: 'settings',
    });
  });

  it('links GitHub without a redirect_uri', async () => {
    const user = await signedInUser();
    const response = await linkGitHub(user.access_token, githubAccount());
    expect(await json(response)).toEqual({ message: 'GITHUB account linked successfully' });
  });

  it('refuses a provider account already linked to someone else with 409, changing nothing', async () => {
    const owner = await signedInUser();
    const account = googleAccount();
    await linkGoogle(owner.access_token, account);
    const other = await signedInUser();
    const before = await dbState();
    const body = await problem(await linkGoogle(other.access_token, account), 409, 'oauth_account_in_use');
    expect(body.detail).toBe('This Google account is already linked to another user');
    expect(await dbState()).toEqual(before);
  });

  it('refuses a second account of a provider already linked, before calling the provider', async () => {
    const user = await signedInUser();
    const first = googleAccount();
    await linkGoogle(user.access_token, first);
    net.seen.length = 0;
    await problem(await linkGoogle(user.access_token, googleAccount()), 409, 'provider_already_linked');
    await problem(await linkGoogle(user.access_token, first), 409, 'provider_already_linked');
    expect(net.seen).toEqual([]);
  });

  it('maps provider failures and configuration like sign-in does', async () => {
    const user = await signedInUser();
    fakeGoogle(net, googleAccount());
    const base = { provider: 'GOOGLE', code: '4/0Ab-wrong', redirect_uri: GOOGLE_REDIRECT };
    await problem(await link(user.access_token, base), 400, 'invalid_oauth_code');
    const notAllowed = await problem(
      await link(user.access_token, { ...base, redirect_uri: 'https://evil.example/cb' }),
      400,
      'validation_failed',
    );
    expect(notAllowed.errors[0].field).toBe('redirect_uri');
    await problem(
      await link(user.access_token, base, { env: { GOOGLE_CLIENT_ID: '' } }),
      501,
      'provider_not_configured',
    );
    const badProvider = await problem(
      await link(user.access_token, { ...base, provider: 'FACEBOOK' }),
      400,
      'validation_failed',
    );
    expect(badProvider.errors[0].field).toBe('provider');
    expect(await linksOf(user.id)).toEqual([]);
  });

  it('requires a Bearer token', async () => {
    await problem(await post('oauth/link', { provider: 'GITHUB', code: 'abc' }, withEnv()), 401, 'unauthorized');
    await problem(await post('oauth/unlink', {}, withEnv()), 401, 'unauthorized');
  });
});

describe('POST oauth/unlink/', () => {
  it('unlinks a provider from a user who has a password', async () => {
    const user = await signedInUser();
    await linkGoogle(user.access_token, googleAccount());
    const response = await unlink(user.access_token, { provider: 'GOOGLE' });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ message: 'OAuth provider unlinked successfully' });
    expect(await linksOf(user.id)).toEqual([]);
    const audit = await sql(
      "SELECT details FROM audit_log WHERE user_id = ? AND event = 'oauth.unlinked'",
      user.id,
    ).first<{ details: string }>();
    expect(JSON.parse(audit!.details)).toEqual({ provider: 'GOOGLE', via: 'settings' });
  });

  it('unlinks the only provider when none is named', async () => {
    const user = await signedInUser();
    await linkGitHub(user.access_token, githubAccount());
    expect((await unlink(user.access_token)).status).toBe(200);
    expect(await linksOf(user.id)).toEqual([]);
  });

  it('refuses to remove the last way to sign in of a password-less user', async () => {
    const user = await googleOnlyUser();
    const before = await dbState();
    for (const body of [{ provider: 'GOOGLE' }, {}]) {
      const refused = await problem(await unlink(user.token, body), 400, 'last_sign_in_method');
      expect(refused.detail).toMatch(/only way to sign in/);
    }
    expect(await dbState()).toEqual(before);
  });

  it('lets a password-less user with two providers drop one, then not the other', async () => {
    const user = await googleOnlyUser();
    await linkGitHub(user.token, githubAccount());
    const ambiguous = await problem(await unlink(user.token), 400, 'validation_failed');
    expect(ambiguous.errors).toEqual([
      { field: 'provider', message: 'Several providers are linked; say which one to unlink' },
    ]);
    expect((await unlink(user.token, { provider: 'GITHUB' })).status).toBe(200);
    await problem(await unlink(user.token), 400, 'last_sign_in_method');
    expect(await linksOf(user.id)).toEqual(['GOOGLE']);
  });

  it('never lets two parallel unlinks leave a password-less user without a way in', async () => {
    const user = await googleOnlyUser();
    await linkGitHub(user.token, githubAccount());
    const answers = await Promise.all([
      unlink(user.token, { provider: 'GOOGLE' }),
      unlink(user.token, { provider: 'GITHUB' }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    expect(await linksOf(user.id)).toHaveLength(1);
  });

  it('answers 404 when the provider is not linked', async () => {
    const user = await signedInUser();
    const named = await problem(await unlink(user.access_token, { provider: 'GITHUB' }), 404, 'provider_not_linked');
    expect(named.detail).toBe('No GitHub account is linked');
    await problem(await unlink(user.access_token), 404, 'provider_not_linked');
  });

  it('rejects unknown fields', async () => {
    const user = await signedInUser();
    await problem(await unlink(user.access_token, { provider: 'GOOGLE', force: true }), 400, 'validation_failed');
  });
});
