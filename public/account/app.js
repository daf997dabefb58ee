// @ts-check
import { api } from './api.js';
import { navigate, shownAddress, startPage } from './navigation.js';
import * as session from './session.js';
import { flashNext, t } from './ui.js';

/** The console's entry point: links and Back stay in this document, then the first page starts. */

/** A click on a link to another console page, which this document can show itself. @param {MouseEvent} event */
function consoleLink(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return null;
  const link = /** @type {Element | null} */ (event.target)?.closest?.('a[href]');
  if (!(link instanceof HTMLAnchorElement) || link.target || link.hasAttribute('download')) return null;
  const url = new URL(link.href);
  if (url.origin !== location.origin || !url.pathname.startsWith('/account')) return null;
  // A link within this page (the skip link): the browser's own behaviour is the right one.
  if (url.hash && url.pathname === location.pathname && url.search === location.search) return null;
  return url;
}

document.addEventListener('click', (event) => {
  const url = consoleLink(event);
  if (!url) return;
  event.preventDefault();
  navigate(`${url.pathname}${url.search}${url.hash}`);
});

// Back and Forward between console pages; a move within the page (the skip link's #main) stays put.
addEventListener('popstate', () => {
  const address = `${location.pathname}${location.search}`;
  if (address !== shownAddress()) navigate(address, { history: false });
});

let signingOut = false;

// The session ended under us (revoked elsewhere, expired): back to sign-in, saying why.
addEventListener('console:session-ended', () => {
  if (signingOut) return;
  flashNext(t('sessionEnded'));
  navigate(`/account/sign-in?next=${encodeURIComponent(location.pathname)}`, { replace: true });
});

document.addEventListener('click', async (event) => {
  const button = /** @type {Element | null} */ (event.target)?.closest?.('#sign-out');
  if (!(button instanceof HTMLButtonElement)) return;
  button.disabled = true;
  signingOut = true;
  await api('POST', 'logout/');
  session.forget();
  flashNext(t('signedOut'), 'success');
  await navigate('/account/sign-in');
  signingOut = false;
});

startPage();
