// @ts-check
/**
 * The console's access token, and the only module that touches it. It lives in this module's
 * memory, never in localStorage or sessionStorage, so no script injected later can read it. The
 * refresh token is in the HttpOnly `__Host-refresh_token` cookie, which the API sets for requests
 * from its own origin: script never sees it, and a reload or a new tab gets a new access token
 * from it (`restore`).
 */

/** @typedef {{ access_token: string, expires_at: string }} TokenAnswer */

/** @type {string | null} */
let access = null;
/** @type {Promise<boolean> | null} */
let refreshing = null;

export function isSignedIn() {
  return access !== null;
}

export function accessToken() {
  return access;
}

/** Keeps the access token of a sign-in or refresh answer (its refresh token is in the cookie). @param {TokenAnswer} answer */
export function adopt(answer) {
  access = answer.access_token;
}

/** Forgets the access token; logout/ clears the cookie on the server's side. */
export function forget() {
  access = null;
}

/** After a reload or in a new tab: a refresh with the cookie, if there is one. */
export async function restore() {
  return access !== null || (await refresh(true));
}

/**
 * A new access token from the refresh cookie: `refresh/` posted with no body, the cookie goes
 * along. One refresh at a time: the API rotates the refresh token, and although it forgives
 * parallel refreshes within a grace window, one is all a page needs.
 * @param {boolean} [restoring] whether no session is known yet (a reload)
 * @returns {Promise<boolean>} whether the session goes on
 */
export function refresh(restoring = false) {
  if (access === null && !restoring) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const response = await fetch('/api/auth/refresh/', { method: 'POST', credentials: 'same-origin' });
      if (!response.ok) {
        access = null;
        return false;
      }
      adopt(await response.json());
      return true;
    } catch {
      return false; // offline: keep the token, the caller reports the network error
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}
