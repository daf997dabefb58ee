import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Child } from 'hono/jsx';
import type { AppEnv } from '../env';
import { sameOriginPageHeaders } from '../middleware/security-headers';
import { chooseLanguage, LANGUAGE_COOKIE, MESSAGES } from './language';
import { Layout, type PageContext, type PageId } from './layout';
import type { Messages } from './messages-en';
import { ActivityPage, DataPage, OverviewPage, SecurityPage, SessionsPage } from './pages/account';
import {
  ConfirmLinkPage,
  ForgotPasswordPage,
  NotFoundPage,
  OAuthCallbackPage,
  RegisterPage,
  ResetPasswordPage,
  SignInPage,
  VerifyEmailPage,
} from './pages/public';
import { consoleProviders } from './providers';

/** The console's pages: same-origin only, and their forms post to this origin. */
export const consoleHeaders = sameOriginPageHeaders({ formsPostTo: 'self' });

interface PageSpec {
  id: PageId;
  title: (t: Messages) => string;
  signedIn: boolean;
  body: (ctx: PageContext) => Child;
}

/** Paths under /account/; the email links' paths are those of `appLink` with APP_URL=<origin>/account. */
const PAGES: Record<string, PageSpec> = {
  '/': { id: 'overview', title: (t) => t.overview.title, signedIn: true, body: (ctx) => <OverviewPage ctx={ctx} /> },
  '/sessions': {
    id: 'sessions',
    title: (t) => t.sessions.title,
    signedIn: true,
    body: (ctx) => <SessionsPage ctx={ctx} />,
  },
  '/activity': {
    id: 'activity',
    title: (t) => t.activity.title,
    signedIn: true,
    body: (ctx) => <ActivityPage ctx={ctx} />,
  },
  '/security': {
    id: 'security',
    title: (t) => t.security.title,
    signedIn: true,
    body: (ctx) => <SecurityPage ctx={ctx} />,
  },
  '/data': { id: 'data', title: (t) => t.data.title, signedIn: true, body: (ctx) => <DataPage ctx={ctx} /> },
  '/sign-in': { id: 'sign-in', title: (t) => t.signIn.title, signedIn: false, body: (ctx) => <SignInPage ctx={ctx} /> },
  '/register': {
    id: 'register',
    title: (t) => t.register.title,
    signedIn: false,
    body: (ctx) => <RegisterPage ctx={ctx} />,
  },
  '/forgot-password': {
    id: 'forgot-password',
    title: (t) => t.forgot.title,
    signedIn: false,
    body: (ctx) => <ForgotPasswordPage ctx={ctx} />,
  },
  '/reset-password': {
    id: 'reset-password',
    title: (t) => t.reset.title,
    signedIn: false,
    body: (ctx) => <ResetPasswordPage ctx={ctx} />,
  },
  '/verify-email': {
    id: 'verify-email',
    title: (t) => t.verify.title,
    signedIn: false,
    body: (ctx) => <VerifyEmailPage ctx={ctx} />,
  },
  '/cancel-registration': {
    id: 'cancel-registration',
    title: (t) => t.cancelRegistration.title,
    signedIn: false,
    body: (ctx) => (
      <ConfirmLinkPage ctx={ctx} intro={ctx.t.cancelRegistration.intro} submit={ctx.t.cancelRegistration.submit} />
    ),
  },
  '/revoke-provider-link': {
    id: 'revoke-provider-link',
    title: (t) => t.revokeLink.title,
    signedIn: false,
    body: (ctx) => <ConfirmLinkPage ctx={ctx} intro={ctx.t.revokeLink.intro} submit={ctx.t.revokeLink.submit} />,
  },
  '/confirm-email-change': {
    id: 'confirm-email-change',
    title: (t) => t.confirmEmailChange.title,
    signedIn: false,
    body: (ctx) => <VerifyEmailPage ctx={ctx} />,
  },
  '/cancel-account-deletion': {
    id: 'cancel-account-deletion',
    title: (t) => t.cancelDeletion.title,
    signedIn: false,
    body: (ctx) => (
      <ConfirmLinkPage ctx={ctx} intro={ctx.t.cancelDeletion.intro} submit={ctx.t.cancelDeletion.submit} safe />
    ),
  },
  '/oauth/callback': {
    id: 'oauth-callback',
    title: (t) => t.callback.title,
    signedIn: false,
    body: (ctx) => <OAuthCallbackPage ctx={ctx} />,
  },
};

const NOT_FOUND: PageSpec = {
  id: 'not-found',
  title: (t) => t.notFound.title,
  signedIn: false,
  body: (ctx) => <NotFoundPage ctx={ctx} />,
};

/** Older links that name a page by another path (the security alert email's "review my sessions"). */
const ALIASES: Record<string, string> = { '/settings/sessions': '/account/sessions' };

const ONE_YEAR = 365 * 24 * 3600;

export const consoleRoutes = new Hono<AppEnv>({ strict: false })
  .get('/*', async (c) => {
    const url = new URL(c.req.url);
    const path = url.pathname.replace(/^\/account/, '').replace(/(.)\/+$/, '$1') || '/';
    const alias = ALIASES[path];
    if (alias) return c.redirect(alias, 301);
    const spec = PAGES[path] ?? NOT_FOUND;

    const { language, switched } = chooseLanguage({
      query: c.req.query('lang'),
      cookie: getCookie(c, LANGUAGE_COOKIE),
      acceptLanguage: c.req.header('Accept-Language'),
    });
    if (switched) {
      setCookie(c, LANGUAGE_COOKIE, language, {
        path: '/account',
        maxAge: ONE_YEAR,
        sameSite: 'Lax',
        secure: url.protocol === 'https:',
      });
    }
    url.searchParams.delete('lang');
    const config = c.get('config');
    const { providers, redirectUri } = consoleProviders(config, url.origin);
    const t = MESSAGES[language];
    const ctx: PageContext = {
      language,
      t,
      here: url,
      productName: config.mfa.issuer,
      providers,
      redirectUri,
      deletionGraceDays: Math.max(1, Math.round(config.accountDeletionGrace / 86_400)),
    };
    const page = (
      <Layout ctx={ctx} page={spec.id} title={spec.title(t)} signedIn={spec.signedIn}>
        {spec.body(ctx)}
      </Layout>
    );
    c.header('Vary', 'Accept-Language, Cookie');
    c.header('Content-Language', language);
    return c.html(`<!doctype html>${await page.toString()}`, spec === NOT_FOUND ? 404 : 200);
  })
  // A form sent before the page's script loaded (slow network): never handled here, so the page
  // comes back and the person tries again; nothing they typed is read or kept.
  .post('/*', (c) => c.redirect(c.req.path, 303));
