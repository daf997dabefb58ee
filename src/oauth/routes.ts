import { type Context, Hono } from 'hono';
import { completeSignIn } from '../auth/login';
import { assertReauthenticated } from '../auth/reauthentication';
import { requireAuth } from '../auth/require-auth';
import type { OAuthProvider } from '../db/schema';
import type { AppEnv } from '../env';
import { byClientIp, rateLimit } from '../guard/guard';
import { validate } from '../http/validate';
import { scopeOf } from '../scope';
import { type AuthorizationGrant, providerName } from './provider';
import { githubSignInBody, googleSignInBody, grantOf, linkBody, revokeLinkBody, unlinkBody } from './schemas';
import { linkProvider, revokeLinkFromEmail, SIGN_IN_METHOD, signInWithOAuth, unlinkProvider } from './service';

async function signIn(c: Context<AppEnv>, provider: OAuthProvider, grant: AuthorizationGrant) {
  const scope = scopeOf(c);
  const { user, isNewUser } = await signInWithOAuth(scope, provider, grant, c.req.header('Accept-Language'));
  const body = await completeSignIn(scope, user, {
    rememberMe: false,
    method: SIGN_IN_METHOD[provider],
    amr: ['oauth'],
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
    const scope = scopeOf(c);
    const body = c.req.valid('json');
    await assertReauthenticated(scope, c.get('auth'), body);
    await linkProvider(scope, c.get('auth').user, body.provider, grantOf(body));
    return c.json({ message: `${body.provider} account linked successfully` });
  })
  .post('/link/revoke', rateLimit('resetPerIp', byClientIp), validate('json', revokeLinkBody), async (c) => {
    const provider = await revokeLinkFromEmail(scopeOf(c), c.req.valid('json').token);
    return c.json({ message: `${providerName(provider)} was unlinked and every session was signed out` });
  })
  .post('/unlink', requireAuth(), validate('json', unlinkBody), async (c) => {
    await unlinkProvider(scopeOf(c), c.get('auth').user, c.req.valid('json').provider);
    return c.json({ message: 'OAuth provider unlinked successfully' });
  });
