import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Google's and GitHub's OAuth endpoints on a loopback port, so the fuzz run reaches the sign-in and
 * linking logic without a request leaving the machine. A code with `-code-` in it (as the document's
 * examples have) is accepted and names one provider account; any other code is refused as the real
 * providers refuse it. Also counts every request, to show the service called nothing else.
 */
export interface FakeProviders {
  vars: Record<string, string>;
  requests(): number;
  close(): Promise<void>;
}

export const REDIRECT_URI = 'https://app.example.com/auth/google/callback';

const accountOf = (code: string) => createHash('sha256').update(code).digest('hex').slice(0, 16);

async function read(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text;
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

export async function startFakeProviders(): Promise<FakeProviders> {
  let count = 0;
  const server = createServer(async (request, response) => {
    count++;
    const url = new URL(request.url ?? '/', 'http://localhost');
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (
      request.method === 'POST' &&
      (url.pathname === '/google/token' || url.pathname === '/github/login/oauth/access_token')
    ) {
      const form = new URLSearchParams(await read(request));
      const code = form.get('code') ?? '';
      const google = url.pathname.startsWith('/google');
      if (!code.includes('-code-')) {
        return google
          ? send(response, 400, { error: 'invalid_grant' })
          : send(response, 200, { error: 'bad_verification_code' });
      }
      return send(response, 200, { access_token: `token-${accountOf(code)}`, token_type: 'bearer' });
    }
    const account = bearer.replace(/^token-/, '');
    if (!/^[0-9a-f]{16}$/.test(account)) return send(response, 401, { error: 'invalid_token' });
    if (url.pathname === '/google/userinfo') {
      return send(response, 200, {
        sub: account,
        email: `g-${account}@example.com`,
        email_verified: true,
        name: 'Fuzz',
      });
    }
    if (url.pathname === '/github-api/user') {
      return send(response, 200, {
        id: Number.parseInt(account.slice(0, 8), 16),
        login: `octo-${account.slice(0, 6)}`,
        name: null,
      });
    }
    if (url.pathname === '/github-api/user/emails') {
      return send(response, 200, [
        { email: `gh-${account}@example.com`, primary: true, verified: true, visibility: null },
      ]);
    }
    send(response, 404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    vars: {
      GOOGLE_CLIENT_ID: 'fuzz-google-client',
      GOOGLE_CLIENT_SECRET: 'fuzz-google-secret',
      GOOGLE_TOKEN_URL: `${base}/google/token`,
      GOOGLE_USERINFO_URL: `${base}/google/userinfo`,
      GITHUB_CLIENT_ID: 'fuzz-github-client',
      GITHUB_CLIENT_SECRET: 'fuzz-github-secret',
      GITHUB_OAUTH_URL: `${base}/github`,
      GITHUB_API_URL: `${base}/github-api`,
      OAUTH_REDIRECT_URIS: REDIRECT_URI,
    },
    requests: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
