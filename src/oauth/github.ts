import { z } from 'zod';
import type { AuthorizationGrant, OAuthClient, OAuthProfile, ProviderHttp } from './provider';
import { exchangeCode } from './token-response';

export interface GitHubSettings {
  clientId: string;
  clientSecret: string;
  /** Base of `/login/oauth/access_token` (github.com, or a GitHub Enterprise host). */
  oauthUrl: string;
  apiUrl: string;
  /** GitHub's API refuses requests without one. */
  userAgent: string;
}

const githubUser = z.object({
  id: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]),
  login: z.string().min(1).max(100),
  name: z.string().max(255).nullish(),
});

const githubEmails = z.array(
  z.object({ email: z.string().max(254), primary: z.boolean(), verified: z.boolean() }).loose(),
);

export function githubClient(settings: GitHubSettings, http: ProviderHttp): OAuthClient {
  const api = (accessToken: string) => ({
    headers: {
      Authorization: `Bearer ${accessToken}`,
      Accept: 'application/vnd.github+json',
      'User-Agent': settings.userAgent,
      'X-GitHub-Api-Version': '2022-11-28',
    },
  });
  return {
    provider: 'GITHUB',
    async exchange(grant: AuthorizationGrant): Promise<OAuthProfile> {
      const accessToken = await exchangeCode(
        http,
        `${settings.oauthUrl}/login/oauth/access_token`,
        grant,
        { client_id: settings.clientId, client_secret: settings.clientSecret },
        { 'User-Agent': settings.userAgent },
      );

      const [userAnswer, emailsAnswer] = await Promise.all([
        http.json('user', `${settings.apiUrl}/user`, api(accessToken)),
        http.json('emails', `${settings.apiUrl}/user/emails`, api(accessToken)),
      ]);
      const user = githubUser.safeParse(userAnswer.body);
      if (userAnswer.status !== 200 || !user.success) {
        throw http.fail('user', { kind: 'unavailable', reason: 'malformed_response', status: userAnswer.status });
      }
      // Anything but 200 here (usually 403/404) means the app was granted no `user:email` scope:
      // the account then has no usable email, which only matters if it is not linked yet.
      const emails = emailsAnswer.status === 200 ? githubEmails.safeParse(emailsAnswer.body) : null;
      if (emails && !emails.success) {
        throw http.fail('emails', { kind: 'unavailable', reason: 'malformed_response', status: emailsAnswer.status });
      }
      // Only the primary address, and only once verified: a secondary or unverified address can be
      // added by anyone and would hand them the matching account here.
      const primary = emails?.data.find((entry) => entry.primary && entry.verified);
      return {
        providerAccountId: String(user.data.id),
        email: primary ? primary.email.trim().toLowerCase() : null,
        emailVerified: Boolean(primary),
        usernameHints: [user.data.login, user.data.name].filter((hint): hint is string => Boolean(hint)),
      };
    },
  };
}
