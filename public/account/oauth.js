// @ts-check
import { pageData } from './ui.js';

/**
 * The browser side of the OAuth authorization-code flow with PKCE, as the README describes it.
 * Sign-in leaves the page for the provider and comes back to /account/oauth/callback; linking (which
 * must keep this page's tokens) opens the provider in a second window, whose callback hands the
 * code back over a BroadcastChannel of this origin.
 */

const STORAGE_KEY = 'account-oauth';
const LINK_CHANNEL = 'account-oauth-link';
/** Marks the `state` of a link flow, so the callback knows to hand the code back. */
export const LINK_PREFIX = 'link.';

/** @typedef {import('./ui.js').Provider} Provider */

function random() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** @param {Uint8Array} bytes */
function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** @param {string} verifier */
async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** @param {Provider} provider @param {string} state @param {string} verifier */
async function authorizeUrl(provider, state, verifier) {
  const url = new URL(provider.authorizeUrl);
  url.search = new URLSearchParams({
    client_id: provider.clientId,
    redirect_uri: pageData().redirectUri,
    response_type: 'code',
    scope: provider.scope,
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** @param {string} id */
export function providerNamed(id) {
  return pageData().providers.find((provider) => provider.id === id);
}

/**
 * Leaves for the provider's sign-in page. `state` and the verifier wait in sessionStorage (this
 * tab only; they are not tokens and are deleted by the callback).
 * @param {Provider} provider @param {string} next
 */
export async function startSignIn(provider, next) {
  const state = random();
  const codeVerifier = random();
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ state, codeVerifier, provider: provider.id, next }));
  location.assign(await authorizeUrl(provider, state, codeVerifier));
}

/** What the callback found for a sign-in started in this tab, removed as it is read. */
export function takeSignInAttempt() {
  const stored = sessionStorage.getItem(STORAGE_KEY);
  sessionStorage.removeItem(STORAGE_KEY);
  try {
    return stored ? JSON.parse(stored) : null;
  } catch {
    return null;
  }
}

/**
 * Opens the provider in a second window and waits for the code its callback hands back.
 * @param {Provider} provider @param {AbortSignal} signal aborted when the page is left
 * @returns {Promise<{ code: string, codeVerifier: string } | { error: string }>}
 */
export async function linkInPopup(provider, signal) {
  const state = `${LINK_PREFIX}${random()}`;
  const codeVerifier = random();
  const popup = window.open('about:blank', 'account-oauth', 'popup,width=520,height=680');
  if (!popup) return { error: 'popup_blocked' };
  popup.location.href = await authorizeUrl(provider, state, codeVerifier);
  return await new Promise((resolve) => {
    const channel = new BroadcastChannel(LINK_CHANNEL);
    signal.addEventListener('abort', () => channel.close());
    channel.addEventListener('message', (event) => {
      if (event.data?.state !== state) return; // another window's flow, or a forged message
      channel.close();
      resolve(event.data.code ? { code: String(event.data.code), codeVerifier } : { error: String(event.data.error) });
    });
  });
}

/** In the second window: hands the provider's answer to the window that is linking. @param {URLSearchParams} query */
export function handBackLink(query) {
  const channel = new BroadcastChannel(LINK_CHANNEL);
  channel.postMessage({ state: query.get('state'), code: query.get('code'), error: query.get('error') });
  channel.close();
}
