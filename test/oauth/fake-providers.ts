import { type Answer, type FakeNetwork, fakeNetwork, type SeenRequest } from '../helpers/fake-network';
import { sql, uniqueEmail } from '../helpers/users';

export { fakeNetwork };

export const GOOGLE_REDIRECT = 'http://localhost:3000/auth/callback/google';
export const GITHUB_REDIRECT = 'http://localhost:3000/auth/callback/github';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const GOOGLE_USERINFO_URL = 'https://openidconnect.googleapis.com/v1/userinfo';
export const GITHUB_TOKEN_URL = 'https://github.com/login/oauth/access_token';
export const GITHUB_USER_URL = 'https://api.github.com/user';
export const GITHUB_EMAILS_URL = 'https://api.github.com/user/emails';

export const OAUTH_ENV = {
  GOOGLE_CLIENT_ID: 'google-client.apps.googleusercontent.test',
  GOOGLE_CLIENT_SECRET: 'GOCSPX-google-secret-never-logged',
  GITHUB_CLIENT_ID: 'Iv1.github-client',
  GITHUB_CLIENT_SECRET: 'github-secret-never-logged-0123456789',
  OAUTH_REDIRECT_URIS: `${GOOGLE_REDIRECT}, ${GITHUB_REDIRECT}`,
};

const nonce = () => crypto.randomUUID().replace(/-/g, '');

/** A PKCE verifier shaped like a browser's: 43 characters of base64url. */
export const codeVerifier = () => `${nonce()}${nonce()}`.slice(0, 43);

export interface GoogleAccount {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
  /** The one code Google will accept, and the access token it hands out for it. */
  code: string;
  accessToken: string;
  /** When set, the code was issued for a PKCE challenge: the token call must carry this verifier. */
  codeVerifier?: string;
}

export function googleAccount(overrides: Partial<GoogleAccount> = {}): GoogleAccount {
  return {
    sub: String(BigInt(`0x${nonce().slice(0, 15)}`)),
    email: uniqueEmail('google'),
    email_verified: true,
    name: 'Ada Lovelace',
    code: `4/0Ab-google-code-${nonce()}`,
    accessToken: `ya29.google-access-${nonce()}`,
    ...overrides,
  };
}

/** Google's token and userinfo endpoints, refusing what the real ones refuse. */
export function fakeGoogle(net: FakeNetwork, account: GoogleAccount) {
  net.on('POST', GOOGLE_TOKEN_URL, ({ form, headers }) => {
    if (headers.get('Content-Type') !== 'application/x-www-form-urlencoded') {
      return { status: 400, body: { error: 'invalid_request' } };
    }
    if (
      form.get('client_id') !== OAUTH_ENV.GOOGLE_CLIENT_ID ||
      form.get('client_secret') !== OAUTH_ENV.GOOGLE_CLIENT_SECRET
    ) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } };
    }
    if (form.get('grant_type') !== 'authorization_code' || form.get('redirect_uri') !== GOOGLE_REDIRECT) {
      return { status: 400, body: { error: 'redirect_uri_mismatch' } };
    }
    const pkceOk = account.codeVerifier
      ? form.get('code_verifier') === account.codeVerifier
      : !form.has('code_verifier');
    if (form.get('code') !== account.code || !pkceOk) {
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } };
    }
    return {
      status: 200,
      body: { access_token: account.accessToken, expires_in: 3599, token_type: 'Bearer', id_token: 'e30.e30.sig' },
    };
  });
  net.on('GET', GOOGLE_USERINFO_URL, ({ headers }) =>
    headers.get('Authorization') === `Bearer ${account.accessToken}`
      ? {
          status: 200,
          body: { sub: account.sub, email: account.email, email_verified: account.email_verified, name: account.name },
        }
      : { status: 401, body: { error: 'invalid_token' } },
  );
}

export interface GitHubAccount {
  id: number;
  login: string;
  name: string | null;
  emails: { email: string; primary: boolean; verified: boolean; visibility: string | null }[];
  code: string;
  accessToken: string;
  codeVerifier?: string;
  /** The redirect_uri the authorize step used, if any: GitHub then requires the same one. */
  redirectUri?: string;
}

export function githubAccount(overrides: Partial<GitHubAccount> = {}): GitHubAccount {
  return {
    id: Number.parseInt(nonce().slice(0, 8), 16),
    login: `octo-${nonce().slice(0, 6)}`,
    name: 'The Octocat',
    emails: [{ email: uniqueEmail('github'), primary: true, verified: true, visibility: 'private' }],
    code: `gh-code-${nonce().slice(0, 20)}`,
    accessToken: `gho_${nonce()}`,
    ...overrides,
  };
}

/** GitHub's token endpoint (errors as 200 + `error`) and the REST API (which insists on a User-Agent). */
export function fakeGitHub(
  net: FakeNetwork,
  account: GitHubAccount,
  urls = { oauth: 'https://github.com', api: 'https://api.github.com' },
) {
  net.on('POST', `${urls.oauth}/login/oauth/access_token`, ({ form, headers }) => {
    // Without Accept: application/json GitHub answers form-encoded text.
    if (headers.get('Accept') !== 'application/json') return { status: 200, text: 'error=unsupported_accept' };
    if (
      form.get('client_id') !== OAUTH_ENV.GITHUB_CLIENT_ID ||
      form.get('client_secret') !== OAUTH_ENV.GITHUB_CLIENT_SECRET
    ) {
      return { status: 200, body: { error: 'incorrect_client_credentials' } };
    }
    if (account.redirectUri !== undefined && form.get('redirect_uri') !== account.redirectUri) {
      return { status: 200, body: { error: 'redirect_uri_mismatch' } };
    }
    const pkceOk = account.codeVerifier
      ? form.get('code_verifier') === account.codeVerifier
      : !form.has('code_verifier');
    if (form.get('code') !== account.code || !pkceOk) {
      return {
        status: 200,
        body: { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' },
      };
    }
    return {
      status: 200,
      body: { access_token: account.accessToken, token_type: 'bearer', scope: 'read:user,user:email' },
    };
  });
  const api =
    (answer: () => Answer) =>
    (request: SeenRequest): Answer => {
      if (!request.headers.get('User-Agent'))
        return { status: 403, body: { message: 'Request forbidden by administrative rules.' } };
      if (request.headers.get('Authorization') !== `Bearer ${account.accessToken}`) {
        return { status: 401, body: { message: 'Bad credentials' } };
      }
      return answer();
    };
  net.on(
    'GET',
    `${urls.api}/user`,
    api(() => ({ status: 200, body: { id: account.id, login: account.login, name: account.name, email: null } })),
  );
  net.on(
    'GET',
    `${urls.api}/user/emails`,
    api(() => ({ status: 200, body: account.emails })),
  );
}

/** Rows that an error path must leave alone. */
export async function dbState() {
  return sql(
    `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM oauth_accounts) AS links,
            (SELECT count(*) FROM sessions) AS sessions,
            (SELECT group_concat(id || ':' || coalesce(password_hash, '-') || ':' || is_email_verified) FROM users) AS accounts`,
  ).first();
}
