import { describe, expect, it } from 'vitest';
import { call } from '../helpers/api';

/** The console's server side: page shells, their CSP, language choice, and what the pages reveal. */

const page = (path: string, headers: Record<string, string> = {}, env?: Record<string, unknown>) =>
  call('GET', path, { headers, env });

/** The client data block every page carries (a JSON data block, never run by the browser). */
async function clientData(response: Response) {
  const html = await response.text();
  const block = /<script type="application\/json" id="console-data">([\s\S]*?)<\/script>/.exec(html);
  expect(block, 'the page has its data block').not.toBeNull();
  return { html, data: JSON.parse(block![1]!) as Record<string, any> };
}

const PAGES = [
  ['/account/', 'overview', 'Your account'],
  ['/account/sessions', 'sessions', 'Sessions'],
  ['/account/activity', 'activity', 'Sign-in activity'],
  ['/account/security', 'security', 'Security'],
  ['/account/data', 'data', 'Your data'],
  ['/account/sign-in', 'sign-in', 'Sign in'],
  ['/account/register', 'register', 'Create an account'],
  ['/account/forgot-password', 'forgot-password', 'Forgot your password'],
  ['/account/reset-password?token=abc', 'reset-password', 'Choose a new password'],
  ['/account/verify-email?token=abc', 'verify-email', 'Verify your email address'],
  ['/account/cancel-registration?token=abc', 'cancel-registration', 'An account you did not create'],
  ['/account/revoke-provider-link?token=abc', 'revoke-provider-link', 'A sign-in method you did not add'],
  ['/account/oauth/callback?code=x&state=y', 'oauth-callback', 'Signing you in'],
  ['/account/confirm-email-change?token=abc', 'confirm-email-change', 'Confirm your new email address'],
  ['/account/cancel-account-deletion?token=abc', 'cancel-account-deletion', 'Keep your account'],
] as const;

const SIGNED_IN_PAGES = new Set(['overview', 'sessions', 'activity', 'security', 'data']);

describe('console pages', () => {
  it.each(PAGES)('%s is an HTML page with its heading, one script and one stylesheet', async (path, id, heading) => {
    const response = await page(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=UTF-8');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const { html } = await clientData(response);
    expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
    expect(html).toContain(`<body data-page="${id}"`);
    expect(html).toContain(`<h1>${heading}</h1>`);
    expect(html).toContain('<script type="module" src="/account/app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/account/console.css"/>');
    // Only the account area has the account navigation and the re-authentication dialog.
    expect(html.includes('class="account-nav"')).toBe(SIGNED_IN_PAGES.has(id));
    expect(html.includes('<dialog id="reauth"')).toBe(SIGNED_IN_PAGES.has(id));
  });

  it('has no inline script, inline style or event handler attribute', async () => {
    for (const [path] of PAGES) {
      const html = await (await page(path)).text();
      for (const [tag] of html.matchAll(/<script\b[^>]*>/g)) {
        expect(tag, path).toMatch(/ src="\/account\/[a-z/-]+\.js"| type="application\/json"/);
      }
      expect(html, path).not.toMatch(/<style\b| style="| on[a-z]+="/);
    }
  });

  it('marks the current page in the account navigation', async () => {
    const html = await (await page('/account/sessions')).text();
    expect(html).toContain('<a href="/account/sessions" aria-current="page">Sessions</a>');
    expect(html).toContain('<a href="/account/">Overview</a>');
  });

  it('answers unknown console paths with a 404 page of the console', async () => {
    const response = await page('/account/no-such-page');
    expect(response.status).toBe(404);
    const { html } = await clientData(response);
    expect(html).toContain('<h1>Page not found</h1>');
    expect(html).toContain('<body data-page="not-found"');
  });

  it('sends the security alert email’s sessions link to the sessions page', async () => {
    const response = await page('/account/settings/sessions');
    expect(response.status).toBe(301);
    expect(response.headers.get('Location')).toBe('/account/sessions');
  });

  it('sends a form posted before the script loaded back to its page, reading nothing', async () => {
    const response = await call('POST', '/account/sign-in', {
      rawBody: 'email=a%40example.com&password=secret',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('/account/sign-in');
  });

  it('the data page explains the grace period from ACCOUNT_DELETION_GRACE, in days', async () => {
    const standard = await (await page('/account/data')).text();
    expect(standard).toContain('Your account is deleted 7 days after you ask.');
    expect(standard).toContain('<a href="/account/data" aria-current="page">Your data</a>');
    const short = await (
      await page('/account/data', { 'Accept-Language': 'fr' }, { ACCOUNT_DELETION_GRACE: '172800' })
    ).text();
    expect(short).toContain('Votre compte est supprimé 2 jours après votre demande.');
  });

  it('security has the passkeys section, sign-in the passkey button, the overview a passkey row', async () => {
    const security = await (await page('/account/security')).text();
    expect(security).toContain('<h2 id="passkeys-section-title">Passkeys</h2>');
    expect(security).toContain('<form method="post" id="passkey-add-form" class="card">');
    const signIn = await (await page('/account/sign-in')).text();
    expect(signIn).toContain(
      '<button type="button" class="secondary" id="passkey-sign-in">Sign in with a passkey</button>',
    );
    const overview = await (await page('/account/')).text();
    expect(overview).toContain('<dd data-field="passkeys"></dd>');
  });

  it('the deletion-cancel landing page offers a plain (not dangerous-looking) button', async () => {
    const html = await (await page('/account/cancel-account-deletion?token=abc')).text();
    expect(html).toContain('<button type="submit">Keep my account</button>');
  });

  it('serves the bare /account path too', async () => {
    const response = await page('/account');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Security-Policy')).toContain("script-src 'self'");
    expect(await response.text()).toContain('<body data-page="overview"');
  });
});

describe('console security headers', () => {
  it('pages get a strict same-origin CSP: no inline script, no eval, data: only for images', async () => {
    const response = await page('/account/sign-in');
    const csp = response.headers.get('Content-Security-Policy')!;
    const directives = Object.fromEntries(
      csp.split(';').map((directive) => {
        const [name, ...values] = directive.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(directives).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'connect-src': "'self'",
      'form-action': "'self'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(csp).not.toMatch(/unsafe-(inline|eval)|\*/);
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(response.headers.get('Strict-Transport-Security')).toContain('max-age=');
  });

  it('the JSON API keeps its own CSP, where nothing may load', async () => {
    const response = await call('GET', '/api/auth/health/');
    expect(response.headers.get('Content-Security-Policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('a product name that tries to close the data block stays inside it', async () => {
    const response = await page('/account/sign-in', {}, { MFA_ISSUER: 'Evil</script><script src="//x.test/a.js">' });
    const { html } = await clientData(response);
    expect(html).not.toContain('<script src="//x.test');
    expect(html).toContain('<title>Sign in · Evil&lt;/script&gt;&lt;script src=&quot;//x.test/a.js&quot;&gt;</title>');
  });
});

describe('console language', () => {
  const languageOf = async (headers: Record<string, string>, path = '/account/sign-in') => {
    const response = await page(path, headers);
    const { html, data } = await clientData(response);
    const lang = /^<!doctype html><html lang="(\w+)">/.exec(html)?.[1];
    expect(data.language).toBe(lang);
    expect(response.headers.get('Content-Language')).toBe(lang);
    return { lang, html, response };
  };

  it.each([
    [undefined, 'en'],
    ['fr-FR,fr;q=0.9,en;q=0.8', 'fr'],
    ['en-GB,fr;q=0.5', 'en'],
    ['de-DE, en;q=0.3, fr;q=0.7', 'fr'],
    ['de, es', 'en'],
    ['fr;q=0, en;q=0.1', 'en'],
    ['FR', 'fr'],
    [';;;,q=,fr;q=abc', 'en'],
  ])('Accept-Language %s gives %s', async (header, expected) => {
    expect((await languageOf(header ? { 'Accept-Language': header } : {})).lang).toBe(expected);
  });

  it('renders French text in French', async () => {
    const { html } = await languageOf({ 'Accept-Language': 'fr' });
    expect(html).toContain('<h1>Connexion</h1>');
    expect(html).toContain('<label for="password">Mot de passe</label>');
  });

  it('?lang= switches, is remembered in a cookie, and wins over Accept-Language', async () => {
    const { lang, response } = await languageOf({ 'Accept-Language': 'en' }, '/account/sign-in?lang=fr');
    expect(lang).toBe('fr');
    const cookie = response.headers.get('Set-Cookie')!;
    expect(cookie).toMatch(/^account_lang=fr; Max-Age=31536000; Path=\/account; Secure; SameSite=Lax$/);
    expect((await languageOf({ 'Accept-Language': 'en', Cookie: 'account_lang=fr' })).lang).toBe('fr');
    // An unknown value is ignored, and sets nothing.
    const unknown = await languageOf({ 'Accept-Language': 'fr' }, '/account/sign-in?lang=xx');
    expect(unknown.lang).toBe('fr');
    expect(unknown.response.headers.get('Set-Cookie')).toBeNull();
  });

  it('the language links keep the page and its query, and name their language', async () => {
    const { html } = await languageOf({}, '/account/reset-password?token=abc&lang=en');
    expect(html).toContain(
      '<a href="/account/reset-password?token=abc&amp;lang=fr" hreflang="fr" lang="fr">Français</a>',
    );
    expect(html).toContain(
      'href="/account/reset-password?token=abc&amp;lang=en" hreflang="en" lang="en" aria-current="true"',
    );
  });
});

describe('console sign-in providers', () => {
  const CALLBACK = 'https://auth.test/account/oauth/callback';
  const GITHUB = { GITHUB_CLIENT_ID: 'gh-client', GITHUB_CLIENT_SECRET: 'gh-secret-value' };
  const GOOGLE = { GOOGLE_CLIENT_ID: 'g-client', GOOGLE_CLIENT_SECRET: 'g-secret-value' };

  const providersOn = async (env: Record<string, unknown>) => {
    const { html, data } = await clientData(await page('/account/sign-in', {}, env));
    return { html, providers: data.providers as Array<Record<string, string>>, redirectUri: data.redirectUri };
  };

  it('shows no provider button when none is configured', async () => {
    const { html, providers } = await providersOn({});
    expect(providers).toEqual([]);
    expect(html).not.toContain('data-provider=');
  });

  it('shows configured providers whose console callback is allowed, with public values only', async () => {
    const { html, providers, redirectUri } = await providersOn({
      ...GITHUB,
      ...GOOGLE,
      GITHUB_OAUTH_URL: 'https://github.example.com/',
      OAUTH_REDIRECT_URIS: `https://spa.test/callback,${CALLBACK}`,
    });
    expect(redirectUri).toBe(CALLBACK);
    expect(providers).toEqual([
      {
        id: 'google',
        name: 'Google',
        clientId: 'g-client',
        authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
        scope: 'openid email profile',
      },
      {
        id: 'github',
        name: 'GitHub',
        clientId: 'gh-client',
        authorizeUrl: 'https://github.example.com/login/oauth/authorize',
        scope: 'read:user user:email',
      },
    ]);
    expect(html).toContain(
      '<button type="button" class="secondary" data-provider="github">Continue with GitHub</button>',
    );
    expect(html).not.toContain('secret-value');
    const security = await (await page('/account/security', {}, { ...GITHUB, OAUTH_REDIRECT_URIS: CALLBACK })).text();
    expect(security).toContain('data-link="github"');
    expect(security).toContain('data-unlink="github"');
  });

  it('hides a provider whose secret is missing, and all when the console callback is not allowed', async () => {
    expect((await providersOn({ GITHUB_CLIENT_ID: 'gh-client', OAUTH_REDIRECT_URIS: CALLBACK })).providers).toEqual([]);
    const notAllowed = await providersOn({ ...GITHUB, OAUTH_REDIRECT_URIS: 'https://spa.test/callback' });
    expect(notAllowed.providers).toEqual([]);
    expect(notAllowed.html).not.toContain('data-provider=');
    const security = await (await page('/account/security', {}, GITHUB)).text();
    expect(security).not.toContain('id="providers-section"');
  });
});
