import { z } from 'zod';
import type { AuthorizationGrant, OAuthClient, OAuthProfile, ProviderHttp } from './provider';
import { exchangeCode } from './token-response';

export interface GoogleSettings {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  userinfoUrl: string;
}

const userinfo = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().max(254).optional(),
  // Google documents a boolean; some older answers carry the string "true".
  email_verified: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  name: z.string().max(255).optional(),
});

export function googleClient(settings: GoogleSettings, http: ProviderHttp): OAuthClient {
  return {
    provider: 'GOOGLE',
    async exchange(grant: AuthorizationGrant): Promise<OAuthProfile> {
      const accessToken = await exchangeCode(http, settings.tokenUrl, grant, {
        grant_type: 'authorization_code',
        client_id: settings.clientId,
        client_secret: settings.clientSecret,
      });

      const answer = await http.json('userinfo', settings.userinfoUrl, {
        headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
      });
      const parsed = userinfo.safeParse(answer.body);
      // A token Google just issued being refused, or an answer without `sub`, is Google's fault.
      if (answer.status !== 200 || !parsed.success) {
        throw http.fail('userinfo', { kind: 'unavailable', reason: 'malformed_response', status: answer.status });
      }
      const { sub, email, email_verified, name } = parsed.data;
      return {
        providerAccountId: sub,
        email: email ? email.trim().toLowerCase() : null,
        emailVerified: Boolean(email) && (email_verified === true || email_verified === 'true'),
        usernameHints: [email?.split('@')[0], name].filter((hint): hint is string => Boolean(hint)),
      };
    },
  };
}
