import type { Config } from '../config';

/** What the console's browser code needs to start an OAuth flow: all public values. */
export interface ConsoleProvider {
  id: 'google' | 'github';
  name: 'Google' | 'GitHub';
  clientId: string;
  authorizeUrl: string;
  scope: string;
}

export const CALLBACK_PATH = '/account/oauth/callback';

/**
 * The providers the console offers, and the redirect URI it uses: a provider shows only when both
 * its client id and secret are set and the console's own callback (on the origin the page is served
 * from) is in OAUTH_REDIRECT_URIS; otherwise the API would refuse the code anyway.
 */
export function consoleProviders(
  config: Config,
  origin: string,
): { redirectUri: string; providers: ConsoleProvider[] } {
  const redirectUri = `${origin}${CALLBACK_PATH}`;
  if (!config.oauth.redirectUris.includes(redirectUri)) return { redirectUri, providers: [] };
  const providers: ConsoleProvider[] = [];
  const { google, github } = config.oauth;
  if (google) {
    providers.push({
      id: 'google',
      name: 'Google',
      clientId: google.clientId,
      authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      scope: 'openid email profile',
    });
  }
  if (github) {
    providers.push({
      id: 'github',
      name: 'GitHub',
      clientId: github.clientId,
      authorizeUrl: `${github.oauthUrl}/login/oauth/authorize`,
      scope: 'read:user user:email',
    });
  }
  return { redirectUri, providers };
}
