// @ts-check
import * as session from './session.js';
import { flashNext, say, t, takeFlash } from './ui.js';

/**
 * Moving between console pages without reloading the document: the tokens live in this document's
 * memory (session.js), so a full page load would sign the person out. The server still renders
 * every page: a navigation fetches it, swaps the body in, and starts the page's module. Direct
 * visits and reloads get the same HTML.
 */

/** @type {AbortController | null} */
let leaving = null;
/** The path and query of the page in the document. */
let shown = `${location.pathname}${location.search}`;

export function shownAddress() {
  return shown;
}

/** Aborted when the page is left: pages hang their listeners on global objects to it. */
export function pageSignal() {
  leaving ??= new AbortController();
  return leaving.signal;
}

/**
 * Shows another console page. `replace` for redirects, so Back does not return to them.
 * @param {string} target a path under /account/ (with its query)
 * @param {{ replace?: boolean, history?: boolean }} [options]
 */
export async function navigate(target, { replace = false, history = true } = {}) {
  let url = new URL(target, location.href);
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'text/html' } });
  } catch {
    say(t('networkError'), 'error');
    return;
  }
  // Not a console page (a 503 problem while the service is misconfigured, say): stay here.
  if (!response.headers.get('Content-Type')?.startsWith('text/html')) {
    say(t('unexpected', { code: response.status }), 'error');
    return;
  }
  if (response.redirected) url = new URL(response.url);
  const page = new DOMParser().parseFromString(await response.text(), 'text/html');
  // The language switch is remembered by the server (a cookie): the address need not keep it.
  url.searchParams.delete('lang');
  const address = `${url.pathname}${url.search}${url.hash}`;
  if (history && replace) window.history.replaceState(null, '', address);
  else if (history) window.history.pushState(null, '', address);
  shown = `${url.pathname}${url.search}`;
  leaving?.abort();
  leaving = null;
  document.title = page.title;
  document.documentElement.lang = page.documentElement.lang;
  for (const name of document.body.getAttributeNames()) document.body.removeAttribute(name);
  for (const name of page.body.getAttributeNames())
    document.body.setAttribute(name, page.body.getAttribute(name) ?? '');
  document.body.replaceChildren(...page.body.childNodes);
  window.scrollTo(0, 0);
  // Where a screen reader's reading starts again: the new page's heading.
  document.querySelector('h1')?.setAttribute('tabindex', '-1');
  document.querySelector('h1')?.focus();
  await startPage();
}

/** A `next` address from the query, only if it is a console page (never another site). @param {string | null} next */
export function safeNext(next) {
  return next?.startsWith('/account/') ? next : '/account/';
}

/**
 * Starts the module of the page in the document, after checking it may be seen. The body stays
 * `aria-busy` until then: the server-rendered buttons do nothing before their module has started,
 * and assistive technology (and the browser tests) can tell.
 */
export async function startPage() {
  document.body.setAttribute('aria-busy', 'true');
  try {
    await startPageModule();
  } finally {
    document.body.removeAttribute('aria-busy');
  }
}

async function startPageModule() {
  const { page, signedIn } = document.body.dataset;
  const signOut = /** @type {HTMLButtonElement | null} */ (document.getElementById('sign-out'));
  if (signedIn === 'required' && !session.isSignedIn() && !(await session.restore())) {
    const here = `${location.pathname}${location.search}`;
    const next = here === '/account/' || here === '/account' ? '' : `?next=${encodeURIComponent(here)}`;
    flashNext(t('signedOutElsewhere'));
    await navigate(`/account/sign-in${next}`, { replace: true });
    return;
  }
  if (signOut) signOut.hidden = !session.isSignedIn();
  const carried = takeFlash();
  if (carried) say(carried.text, /** @type {'info'} */ (carried.kind));
  const module = await import(`./pages/${page}.js`);
  await module.start();
}
