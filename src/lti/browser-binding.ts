import { randomToken, sha256 } from '../lib/crypto';

/**
 * Binds a login's `state` to the browser that started it, where the browser lets us.
 *
 * The state and nonce live server-side: an LMS frames the launch, and a framed page may keep no
 * cookie of ours (Safari blocks them all), so a cookie cannot be required. Server-side state stops
 * replays (single use, 10 minutes, nonce bound) but not login CSRF: someone could start a login,
 * obtain their own `id_token`, and make a victim's browser post it, signing the victim into the
 * attacker's account. So `/lti/login` also sets a partitioned cookie (CHIPS: kept per top-level
 * site, accepted by Chrome, Edge and Firefox in frames), named after the state, and the launch:
 * - accepts the state's own cookie when it matches (bound);
 * - refuses a mismatch, and refuses a browser that presents cookies of other LTI logins but not
 *   this one's: it keeps our cookies, so it did not start this login;
 * - accepts a browser that presents none (unbound): the cookie could not be kept there.
 */

const COOKIE_PREFIX = '__Host-lti-state-';
export const BINDING_TTL_SECONDS = 600;

export type BindingCheck = 'bound' | 'unbound' | 'mismatch' | 'other_login';

function cookieName(stateHash: string): string {
  return `${COOKIE_PREFIX}${stateHash.slice(0, 16)}`;
}

export async function newBinding(stateHash: string): Promise<{ setCookie: string; bindingHash: string }> {
  const value = randomToken();
  return {
    setCookie: `${cookieName(stateHash)}=${value}; Max-Age=${BINDING_TTL_SECONDS}; Path=/; Secure; HttpOnly; SameSite=None; Partitioned`,
    bindingHash: await sha256(value),
  };
}

/** Removes the state's cookie once its launch is over. */
export function clearBinding(stateHash: string): string {
  return `${cookieName(stateHash)}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=None; Partitioned`;
}

export async function checkBinding(
  cookieHeader: string | undefined,
  stateHash: string,
  bindingHash: string,
): Promise<BindingCheck> {
  const cookies = parseCookies(cookieHeader ?? '');
  const own = cookies.get(cookieName(stateHash));
  if (own !== undefined) return (await sha256(own)) === bindingHash ? 'bound' : 'mismatch';
  return [...cookies.keys()].some((name) => name.startsWith(COOKIE_PREFIX)) ? 'other_login' : 'unbound';
}

function parseCookies(header: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of header.split(';').slice(0, 200)) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return cookies;
}
