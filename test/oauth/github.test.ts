import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CallOptions, json, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { registerVerified, sql, uniqueEmail } from '../helpers/users';
import {
  codeVerifier,
  dbState,
  fakeGitHub,
  fakeNetwork,
  GITHUB_EMAILS_URL,
  GITHUB_REDIRECT,
  GITHUB_TOKEN_URL,
  GITHUB_USER_URL,
  type GitHubAccount,
  githubAccount,
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

const signIn = (body: Record<string, unknown>, options: CallOptions = {}) =>
  post('oauth/github/', body, { ...options, env: { ...OAUTH_ENV, ...options.env } });
const withGitHub = (account: GitHubAccount, extra: Record<string, unknown> = {}) => {
  fakeGitHub(net, account);
  return signIn({ code: account.code, ...extra });
};
const email = (address: string, primary: boolean, verified: boolean) => ({
  email: address,
  primary,
  verified,
  visibility: primary ? 'private' : null,
});

describe('POST oauth/github/', () => {
  it('creates a user from the GitHub login and primary verified email', async () => {
    const primary = uniqueEmail('Primary');
    const account = githubAccount({
      login: `Octo-Cat-${crypto.randomUUID().slice(0, 6)}`,
      emails: [
        email(uniqueEmail('secondary'), false, true),
        email(primary, true, true),
        email(uniqueEmail('unverified'), false, false),
      ],
    });
    const response = await withGitHub(account);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({
      user: { email: primary.toLowerCase(), username: account.login, is_email_verified: true },
      message: 'GitHub authentication successful',
      is_new_user: true,
    });
    const link = await sql(
      'SELECT provider, provider_account_id FROM oauth_accounts WHERE user_id = ?',
      body.user.id,
    ).first();
    expect(link).toEqual({ provider: 'GITHUB', provider_account_id: String(account.id) });
    const history = await sql('SELECT method FROM login_history WHERE user_id = ?', body.user.id).first();
    expect(history).toEqual({ method: 'oauth_github' });
  });

  const withoutUsableEmail: [string, GitHubAccount['emails']][] = [
    ['no emails at all', []],
    ['a primary email not verified yet', [email(uniqueEmail(), true, false)]],
    ['only a secondary email verified', [email(uniqueEmail(), true, false), email(uniqueEmail(), false, true)]],
  ];
  for (const [name, emails] of withoutUsableEmail) {
    it(`refuses to match or create an account from ${name}`, async () => {
      const before = await dbState();
      const body = await problem(await withGitHub(githubAccount({ emails })), 400, 'oauth_email_unverified');
      expect(body.detail).toMatch(/no verified primary email/);
      expect(await dbState()).toEqual(before);
    });
  }

  it('never matches an existing account through a secondary verified email', async () => {
    const user = await registerVerified();
    const account = githubAccount({ emails: [email(uniqueEmail(), true, false), email(user.email, false, true)] });
    await problem(await withGitHub(account), 400, 'oauth_email_unverified');
    const links = await sql('SELECT count(*) AS n FROM oauth_accounts WHERE user_id = ?', user.id).first();
    expect(links).toEqual({ n: 0 });
  });

  it('treats an app without the user:email scope (emails 404) as having no email', async () => {
    const account = githubAccount();
    fakeGitHub(net, account);
    net.on('GET', GITHUB_EMAILS_URL, { status: 404, body: { message: 'Not Found' } });
    await problem(await signIn({ code: account.code }), 400, 'oauth_email_unverified');
  });

  it('links the primary verified email to the existing verified account', async () => {
    const user = await registerVerified();
    const body = await json(await withGitHub(githubAccount({ emails: [email(user.email.toUpperCase(), true, true)] })));
    expect(body).toMatchObject({ is_new_user: false, user: { id: user.id } });
  });

  it('signs a linked GitHub account in by its id, whatever its emails say now', async () => {
    const account = githubAccount();
    const first = await json(await withGitHub(account));
    const later = { ...account, code: `${account.code}-2`, emails: [] };
    const body = await json(await withGitHub(later));
    expect(body).toMatchObject({ is_new_user: false, user: { id: first.user.id } });
  });

  it('talks to GitHub the way its API requires', async () => {
    const account = githubAccount();
    expect((await withGitHub(account)).status).toBe(200);
    const token = net.seen.find((request) => request.url === GITHUB_TOKEN_URL)!;
    expect(token.method).toBe('POST');
    expect(token.headers.get('Accept')).toBe('application/json');
    expect(Object.fromEntries(token.form)).toEqual({
      client_id: OAUTH_ENV.GITHUB_CLIENT_ID,
      client_secret: OAUTH_ENV.GITHUB_CLIENT_SECRET,
      code: account.code,
    });
    for (const url of [GITHUB_USER_URL, GITHUB_EMAILS_URL]) {
      const request = net.seen.find((seen) => seen.url === url)!;
      expect(request.headers.get('Accept')).toBe('application/vnd.github+json');
      expect(request.headers.get('User-Agent')).toMatch(/^auth-service\//);
      expect(request.headers.get('Authorization')).toBe(`Bearer ${account.accessToken}`);
    }
  });

  it('passes redirect_uri and the PKCE code_verifier through when given', async () => {
    const verifier = codeVerifier();
    const account = githubAccount({ codeVerifier: verifier, redirectUri: GITHUB_REDIRECT });
    const response = await withGitHub(account, { redirect_uri: GITHUB_REDIRECT, code_verifier: verifier });
    expect(response.status).toBe(200);
    const token = net.seen.find((request) => request.url === GITHUB_TOKEN_URL)!;
    expect(token.form.get('redirect_uri')).toBe(GITHUB_REDIRECT);
    expect(token.form.get('code_verifier')).toBe(verifier);
  });

  it('refuses a redirect_uri that is not allowlisted, before calling GitHub', async () => {
    const account = githubAccount();
    fakeGitHub(net, account);
    const body = await problem(
      await signIn({ code: account.code, redirect_uri: 'https://attacker.example/cb' }),
      400,
      'validation_failed',
    );
    expect(body.errors).toEqual([{ field: 'redirect_uri', message: 'Not an allowed redirect URI' }]);
    expect(net.seen).toEqual([]);
  });

  it('answers GitHub\'s 200 {"error":"bad_verification_code"} with 400 invalid_oauth_code', async () => {
    const account = githubAccount();
    fakeGitHub(net, account);
    const before = await dbState();
    await problem(await signIn({ code: 'gh-code-expired-or-used' }), 400, 'invalid_oauth_code');
    // A code issued with PKCE and sent without its verifier is refused the same way.
    const pkce = githubAccount({ codeVerifier: codeVerifier() });
    await problem(await withGitHub(pkce), 400, 'invalid_oauth_code');
    expect(await dbState()).toEqual(before);
    expect(logs.lines.some((line) => line.includes('"error":"bad_verification_code"'))).toBe(true);
  });

  const outages: [string, () => void][] = [
    ['token endpoint 502', () => net.on('POST', GITHUB_TOKEN_URL, { status: 502, text: 'Bad gateway' })],
    ['token endpoint unreachable', () => net.on('POST', GITHUB_TOKEN_URL, { fail: 'network' })],
    ['API 500 on /user', () => net.on('GET', GITHUB_USER_URL, { status: 500, body: {} })],
    ['API 503 on /user/emails', () => net.on('GET', GITHUB_EMAILS_URL, { status: 503, body: {} })],
    ['API unreachable', () => net.on('GET', GITHUB_USER_URL, { fail: 'network' })],
    ['API answering nonsense', () => net.on('GET', GITHUB_EMAILS_URL, { status: 200, body: { emails: 'no' } })],
  ];
  for (const [name, breakIt] of outages) {
    it(`answers 502 provider_unavailable when GitHub fails: ${name}`, async () => {
      const account = githubAccount();
      fakeGitHub(net, account);
      breakIt();
      const before = await dbState();
      const body = await problem(await signIn({ code: account.code }), 502, 'provider_unavailable');
      expect(body.detail).toMatch(/GitHub could not complete the sign-in/);
      expect(await dbState()).toEqual(before);
    });
  }

  it('gives up on a GitHub that never answers', async () => {
    const account = githubAccount();
    fakeGitHub(net, account);
    net.on('GET', GITHUB_EMAILS_URL, { fail: 'hang' });
    await problem(
      await signIn({ code: account.code }, { env: { OAUTH_TIMEOUT_MS: '150' } }),
      502,
      'provider_unavailable',
    );
  });

  it('follows GITHUB_OAUTH_URL and GITHUB_API_URL (GitHub Enterprise)', async () => {
    const urls = { oauth: 'https://ghe.example.com', api: 'https://ghe.example.com/api/v3' };
    const account = githubAccount();
    fakeGitHub(net, account, urls);
    const response = await signIn(
      { code: account.code },
      { env: { GITHUB_OAUTH_URL: `${urls.oauth}/`, GITHUB_API_URL: urls.api } },
    );
    expect(response.status).toBe(200);
    expect(net.seen.map((request) => request.url).sort()).toEqual([
      `${urls.api}/user`,
      `${urls.api}/user/emails`,
      `${urls.oauth}/login/oauth/access_token`,
    ]);
  });

  it('answers 501 when GitHub is not configured', async () => {
    const body = await problem(
      await signIn({ code: 'abc' }, { env: { GITHUB_CLIENT_SECRET: '' } }),
      501,
      'provider_not_configured',
    );
    expect(body.detail).toBe('Sign-in with GitHub is not configured on this server');
    expect(net.seen).toEqual([]);
  });

  it('never logs the code, verifier, client secret or GitHub token', async () => {
    const verifier = codeVerifier();
    const account = githubAccount({ codeVerifier: verifier });
    await withGitHub(account, { code_verifier: verifier });
    await signIn({ code: 'gh-code-wrong-one', code_verifier: verifier });
    await signIn({ code: account.code, code_verifier: verifier }, { env: { GITHUB_CLIENT_SECRET: 'rotated-secret' } });
    const joined = logs.lines.join('\n');
    for (const secret of [
      account.code,
      'gh-code-wrong-one',
      verifier,
      account.accessToken,
      OAUTH_ENV.GITHUB_CLIENT_SECRET,
      'rotated-secret',
    ]) {
      expect(joined).not.toContain(secret);
    }
  });
});
