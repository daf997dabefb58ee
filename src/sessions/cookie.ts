import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Config } from '../config';
import type { AppEnv } from '../env';
import type { Scope } from '../scope';

/*
 * The HttpOnly refresh cookie: for every origin with REFRESH_COOKIE=true, and in any configuration
 * for the service's own origin (a request whose Origin is the request's own: the account console
 * at /account/, which therefore needs no setting). Host-only by default, as
 * `__Host-refresh_token`: the prefix makes browsers refuse it unless it is Secure, has no Domain and
 * has Path=/ — so no sibling subdomain can plant one (session fixation), at the price of being sent
 * to every path of the API host (only with credentialed requests; the service reads it on refresh/
 * alone). With REFRESH_COOKIE_DOMAIN it is `__Secure-refresh_token` for that domain, scoped to the
 * refresh path. Either way HttpOnly, Secure, and SameSite as configured.
 */

const HOST_ONLY_NAME = '__Host-refresh_token';
const DOMAIN_NAME = '__Secure-refresh_token';
export const REFRESH_COOKIE_NAMES = [HOST_ONLY_NAME, DOMAIN_NAME] as const;
/** The path of refresh/ (with or without its trailing slash, both path-match it). */
export const REFRESH_PATH = '/api/auth/refresh';

type CookieSettings = Config['refreshCookie'];

/** Own-origin cookies when REFRESH_COOKIE is off: host-only and SameSite=Strict, whatever the other settings say. */
const OWN_ORIGIN_SETTINGS: CookieSettings = { enabled: true, domain: undefined, sameSite: 'Strict' };

function cookieName(settings: CookieSettings): string {
  return settings.domain ? DOMAIN_NAME : HOST_ONLY_NAME;
}

function serialise(settings: CookieSettings, value: string, maxAgeSeconds: number): string {
  const scope = settings.domain ? `Domain=${settings.domain}; Path=${REFRESH_PATH}` : 'Path=/';
  return `${cookieName(settings)}=${value}; ${scope}; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=${settings.sameSite}`;
}

type Delivery = { kind: 'set'; token: string; expiresAt: Date } | { kind: 'clear' };

/** What this request's answer must do with the cookie, decided by the logic, applied by refreshCookies(). */
const deliveries = new WeakMap<Scope, Delivery>();

/**
 * The refresh token handed out with this answer goes into the cookie too, if this request is in
 * cookie mode (refreshCookies() decides, from the configuration and the Origin).
 */
export function deliverRefreshCookie(scope: Scope, token: string, expiresAt: Date): void {
  deliveries.set(scope, { kind: 'set', token, expiresAt });
}

/** This answer ends the cookie (logout, revocation of the current session, a refused cookie). */
export function clearRefreshCookie(scope: Scope): void {
  deliveries.set(scope, { kind: 'clear' });
}

function isOwnOrigin(c: Context<AppEnv>, origin: string | undefined): boolean {
  return origin !== undefined && origin === new URL(c.req.url).origin;
}

function isAllowedOrigin(c: Context<AppEnv>, origin: string | undefined): origin is string {
  if (!origin) return false;
  return c.get('config').corsOrigins.includes(origin) || isOwnOrigin(c, origin);
}

/**
 * The cookie settings of this request's answer, or null for no cookie: REFRESH_COOKIE=true's for
 * everyone, else host-only ones for a request from the service's own origin (a browser sends
 * Origin with every POST and DELETE, same-origin ones included), so the console works in the
 * default configuration while cross-origin SPAs see exactly the body flow they always had.
 */
export function cookieSettingsOf(c: Context<AppEnv>): CookieSettings | null {
  const settings = c.get('config')?.refreshCookie;
  if (!settings) return null;
  if (settings.enabled) return settings;
  return isOwnOrigin(c, c.req.header('Origin')) ? OWN_ORIGIN_SETTINGS : null;
}

export type RefreshTokenSource =
  | { ok: true; token: string; fromCookie: boolean }
  | { ok: false; reason: 'refresh_missing' | 'refresh_cookie_origin' };

/**
 * The token a refresh presents: the body's when it has one (the seed's flow, unchanged); else, in
 * cookie mode, the cookie's — only from a listed Origin (or the API's own), since a browser attaches
 * the cookie to any site's request (CSRF). Without REFRESH_COOKIE only the own origin is in cookie
 * mode, so another origin's cookie is never even read.
 */
export function refreshTokenSource(c: Context<AppEnv>, bodyToken: string | undefined): RefreshTokenSource {
  if (bodyToken) return { ok: true, token: bodyToken, fromCookie: false };
  const settings = cookieSettingsOf(c);
  const token = settings ? getCookie(c, cookieName(settings)) : undefined;
  if (!token) return { ok: false, reason: 'refresh_missing' };
  if (!isAllowedOrigin(c, c.req.header('Origin'))) return { ok: false, reason: 'refresh_cookie_origin' };
  return { ok: true, token, fromCookie: true };
}

/**
 * Cookie mode's answers: sets or clears the cookie as the request's logic decided, and lets the
 * listed origins (only them) send credentials. Mounted before CORS so that preflights pass here too.
 */
export function refreshCookies(): MiddlewareHandler<AppEnv> {
  return async function refreshCookies(c, next) {
    await next();
    const settings = cookieSettingsOf(c);
    if (!settings) return;
    const origin = c.req.header('Origin');
    if (isAllowedOrigin(c, origin) && c.res.headers.get('Access-Control-Allow-Origin') === origin) {
      c.res.headers.set('Access-Control-Allow-Credentials', 'true');
    }
    const scope = c.get('scope');
    const delivery = scope ? deliveries.get(scope) : undefined;
    if (delivery?.kind === 'set' && c.res.status === 200) {
      const maxAge = Math.max(0, Math.floor((delivery.expiresAt.getTime() - Date.now()) / 1000));
      c.res.headers.append('Set-Cookie', serialise(settings, delivery.token, maxAge));
    } else if (delivery?.kind === 'clear') {
      c.res.headers.append('Set-Cookie', serialise(settings, '', 0));
    }
  };
}
