import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * GitHub's side of the OAuth flow as a local HTTP server, for browser tests: the authorize page
 * (which approves at once and sends the browser back with a code), the token endpoint (checking
 * the client secret, the redirect URI and the PKCE verifier against the challenge, single use), and
 * the `/user` and `/user/emails` API. The worker reaches it through GITHUB_OAUTH_URL and
 * GITHUB_API_URL; the browser through the console's authorize link.
 */
export interface GitHubAccount {
  id: number;
  login: string;
  email: string;
}

interface Grant {
  account: GitHubAccount;
  redirectUri: string;
  challenge: string;
  used: boolean;
}

export interface FakeGitHub {
  url: string;
  clientId: string;
  clientSecret: string;
  /** The account the next authorization approves. */
  signInAs(account: GitHubAccount): void;
  /** Authorize requests seen, with their query (to check state and PKCE were sent). */
  authorizations: URLSearchParams[];
  close(): Promise<void>;
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

async function bodyOf(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const clientId = 'console-test-client';
  const clientSecret = base64url(randomBytes(24));
  const grants = new Map<string, Grant>();
  const tokens = new Map<string, GitHubAccount>();
  const authorizations: URLSearchParams[] = [];
  let next: GitHubAccount | null = null;

  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/login/oauth/authorize') {
      authorizations.push(url.searchParams);
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      const back = new URL(redirectUri);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      if (url.searchParams.get('client_id') !== clientId || !next) {
        back.searchParams.set('error', 'access_denied');
      } else {
        const code = base64url(randomBytes(16));
        grants.set(code, {
          account: next,
          redirectUri,
          challenge: url.searchParams.get('code_challenge') ?? '',
          used: false,
        });
        back.searchParams.set('code', code);
      }
      response.writeHead(302, { Location: back.toString() });
      return response.end();
    }
    if (url.pathname === '/login/oauth/access_token' && request.method === 'POST') {
      const form = new URLSearchParams(await bodyOf(request));
      const grant = grants.get(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = base64url(createHash('sha256').update(verifier).digest());
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
        return json(200, { error: 'incorrect_client_credentials' });
      }
      if (!grant || grant.used || grant.redirectUri !== form.get('redirect_uri') || grant.challenge !== challenge) {
        return json(200, { error: 'bad_verification_code' });
      }
      grant.used = true;
      const token = base64url(randomBytes(16));
      tokens.set(token, grant.account);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const account = tokens.get((request.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!account) return json(401, { message: 'Bad credentials' });
    if (url.pathname === '/user') return json(200, { id: account.id, login: account.login, name: null });
    if (url.pathname === '/user/emails') {
      return json(200, [{ email: account.email, primary: true, verified: true, visibility: 'private' }]);
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clientId,
    clientSecret,
    signInAs(account) {
      next = account;
    },
    authorizations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
