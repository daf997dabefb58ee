// @ts-check
/**
 * The console's tokens, and the only module that touches them. Both live in this module's memory,
 * never in localStorage or sessionStorage, so no script injected later and no other tab can read
 * them; a reload therefore signs the person out.
 *
 * Phase 2 (HttpOnly refresh cookie): `adopt` keeps only the access token, `refresh` posts
 * `refresh/` with no body (the cookie goes along), and `restore` is that refresh, so a reload or a
 * new tab stays signed in. Nothing else in the console changes.
 */

/** @typedef {{ access_token: string, refresh_token: string, expires_at: string }} TokenAnswer */

/** @type {{ access: string, refresh: string } | null} */
let tokens = null;
/** @type {Promise<boolean> | null} */
let refreshing = null;

export function isSignedIn() {
  return tokens !== null;
}

export function accessToken() {
  return tokens?.access ?? null;
}

/** Keeps the tokens of a sign-in or refresh answer. @param {TokenAnswer} answer */
export function adopt(answer) {
  tokens = { access: answer.access_token, refresh: answer.refresh_token };
}

export function forget() {
  tokens = null;
}

/** Signs in again without asking, when the page was reloaded: impossible with memory alone. */
export async function restore() {
  return tokens !== null;
}

/**
 * A new access token from the refresh token. One refresh at a time: the API retires a refresh
 * token when it rotates it, so two parallel refreshes would look like a stolen token.
 * @returns {Promise<boolean>} whether the session goes on
 */
export function refresh() {
  const current = tokens;
  if (!current) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const response = await fetch('/api/auth/refresh/', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: current.refresh }),
      });
      if (!response.ok) {
        tokens = null;
        return false;
      }
      adopt(await response.json());
      return true;
    } catch {
      return false; // offline: keep the tokens, the caller reports the network error
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}
