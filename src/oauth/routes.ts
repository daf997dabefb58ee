import { type Context, Hono } from 'hono';
import { completeSignIn } from '../auth/login';
import { requireAuth } from '../auth/require-auth';
import type { OAuthProvider } from '../db/schema';
import type { AppEnv } from '../env';
import { byClientIp, rateLimit } from '../guard/guard';
import { validate } from '../http/validate';
import { scopeOf } from '../scope';
import { type AuthorizationGrant, providerName } from './provider';
import { githubSignInBody, googleSignInBody, grantOf, linkBody, unlinkBody } from './schemas';
import { linkProvider, SIGN_IN_METHOD, signInWithOAuth, unlinkProvider } from './service';

async function signIn(c: Context<AppEnv>, provider: OAuthProvider, grant: AuthorizationGrant) {
  const scope = scopeOf(c);
  const { user, isNewUser } = await signInWithOAuth(scope, provider, grant, c.req.header('Accept-Language'));
  const body = await completeSignIn(scope, user, {
    rememberMe: false,
    method: SIGN_IN_METHOD[provider],
    message: `${providerName(provider)} authentication successful`,
  });
  return c.json({ ...body, is_new_user: isNewUser });
}

export const oauthRoutes = new Hono<AppEnv>()
  .post('/google', rateLimit('loginPerIp', byClientIp), validate('json', googleSignInBody), (c) =>
    signIn(c, 'GOOGLE', grantOf(c.req.valid('json'))),
  )
  .post('/github', rateLimit('loginPerIp', byClientIp), validate('json', githubSignInBody), (c) =>
    signIn(c, 'GITHUB', grantOf(c.req.valid('json'))),
  )
  .post('/link', requireAuth(), validate('json', linkBody), async (c) => {
    const body = c.req.valid('json');
    await linkProvider(scopeOf(c), c.get('auth').user, body.provider, grantOf(body));
    return c.json({ message: `${body.provider} account linked successfully` });
  })
  .post('/unlink', requireAuth(), validate('json', unlinkBody), async (c) => {
    await unlinkProvider(scopeOf(c), c.get('auth').user, c.req.valid('json').provider);
    return c.json({ message: 'OAuth provider unlinked successfully' });
  });
