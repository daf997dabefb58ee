import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { Field } from './components';
import { LANGUAGES, type Language } from './language';
import type { Messages } from './messages-en';
import type { ConsoleProvider } from './providers';

/** Everything a page needs to render: its language, where it is, and what the server knows. */
export interface PageContext {
  language: Language;
  t: Messages;
  /** The page's path and query, without `lang`. */
  here: URL;
  productName: string;
  providers: ConsoleProvider[];
  redirectUri: string;
  /** ACCOUNT_DELETION_GRACE in whole days, for the deletion's explanation. */
  deletionGraceDays: number;
}

export type PageId =
  | 'sign-in'
  | 'register'
  | 'forgot-password'
  | 'reset-password'
  | 'verify-email'
  | 'cancel-registration'
  | 'revoke-provider-link'
  | 'oauth-callback'
  | 'confirm-email-change'
  | 'cancel-account-deletion'
  | 'overview'
  | 'sessions'
  | 'activity'
  | 'security'
  | 'data'
  | 'not-found';

/** What app.js imports, on every page (public/account/). */
const SHARED_MODULES = ['api.js', 'navigation.js', 'session.js', 'ui.js'];

const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', fr: 'Français' };

const ACCOUNT_NAV = [
  ['overview', '/account/'],
  ['sessions', '/account/sessions'],
  ['activity', '/account/activity'],
  ['security', '/account/security'],
  ['data', '/account/data'],
] as const;

/** JSON for a data block: `<` escaped so that no string can close the element. */
function dataBlock(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function LanguageSwitch({ ctx }: { ctx: PageContext }) {
  return (
    <nav aria-label={ctx.t.languageNav} class="languages">
      <ul>
        {LANGUAGES.map((language) => {
          const target = new URL(ctx.here);
          target.searchParams.set('lang', language);
          return (
            <li>
              <a
                href={`${target.pathname}${target.search}`}
                hreflang={language}
                lang={language}
                aria-current={language === ctx.language ? 'true' : undefined}
              >
                {LANGUAGE_NAMES[language]}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function ReauthDialog({ t }: { t: Messages }) {
  return (
    <dialog id="reauth" aria-labelledby="reauth-title">
      <form method="dialog" id="reauth-form">
        <h2 id="reauth-title">{t.reauth.title}</h2>
        <p>{t.reauth.intro}</p>
        <input type="text" name="username" autocomplete="username" hidden />
        <Field
          id="reauth-password"
          name="password"
          type="password"
          label={t.fields.password}
          autocomplete="current-password"
          required={false}
        />
        <div id="reauth-code-field">
          <Field
            id="reauth-code"
            name="mfa_code"
            label={t.security.orCode}
            autocomplete="one-time-code"
            required={false}
            maxlength={9}
          />
        </div>
        <p class="field-error" id="reauth-error" role="alert" hidden />
        <div class="actions">
          <button type="submit" value="confirm">
            {t.reauth.confirm}
          </button>
          <button type="button" class="secondary" id="reauth-cancel">
            {t.reauth.cancel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** The document around every console page: one stylesheet, one script, no inline code. */
export function Layout(props: { ctx: PageContext; page: PageId; title: string; signedIn: boolean; children?: Child }) {
  const { ctx, page, title, signedIn } = props;
  const { t } = ctx;
  const clientData = {
    language: ctx.language,
    messages: t.client,
    providers: ctx.providers,
    redirectUri: ctx.redirectUri,
  };
  return (
    <html lang={ctx.language}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${ctx.productName}`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/account/console.css" />
        <script type="module" src="/account/app.js" />
        {/* Every module the page needs, fetched at once rather than one import level at a time. */}
        {[...SHARED_MODULES, `pages/${page}.js`].map((module) => (
          <link rel="modulepreload" href={`/account/${module}`} />
        ))}
      </head>
      {/* aria-busy until the page's script has started: its buttons do nothing before (navigation.js) */}
      <body data-page={page} data-signed-in={signedIn ? 'required' : 'no'} aria-busy="true">
        <a class="skip" href="#main">
          {t.skipToContent}
        </a>
        <header class="top">
          <a class="brand" href="/account/">
            {ctx.productName} <span>· {t.product}</span>
          </a>
          <LanguageSwitch ctx={ctx} />
          <button type="button" id="sign-out" class="secondary" hidden>
            {t.signOut}
          </button>
        </header>
        {signedIn ? (
          <nav aria-label={t.accountNav} class="account-nav">
            <ul>
              {ACCOUNT_NAV.map(([id, href]) => (
                <li>
                  <a href={href} aria-current={id === page ? 'page' : undefined}>
                    {t.nav[id]}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        <main id="main" tabindex={-1}>
          <h1>{title}</h1>
          <noscript>
            <p class="message error">{t.needsJavaScript}</p>
          </noscript>
          <div id="message" class="message" role="status" aria-live="polite" />
          {props.children}
        </main>
        {signedIn ? <ReauthDialog t={t} /> : null}
        {/* A data block, not a script: the browser never runs it, so the CSP needs no exception. */}
        <script type="application/json" id="console-data">
          {raw(dataBlock(clientData))}
        </script>
      </body>
    </html>
  );
}
