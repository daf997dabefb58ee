/**
 * Which URLs a platform may give us (issuer, authorization endpoint, JWKS, token and registration
 * endpoints). Every one of them carries or guards signed identity, so plain http is refused, except
 * on loopback hosts, where a developer's LMS and its tests run on the same machine.
 */

export type UrlRejection = 'malformed' | 'insecure_scheme' | 'credentials' | 'fragment' | 'query';
export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: UrlRejection };

/** `localhost`, `127.0.0.0/8` and `[::1]`; the URL parser has already turned `127.1` or `0x7f.1` into `127.0.0.1`. */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export function checkPlatformUrl(raw: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return { ok: false, reason: 'insecure_scheme' };
  }
  // Userinfo in a URL ends up in logs and Referer headers; no platform needs it.
  if (url.username || url.password) return { ok: false, reason: 'credentials' };
  if (url.hash || raw.includes('#')) return { ok: false, reason: 'fragment' };
  return { ok: true, url };
}

/** An issuer is compared byte for byte with `iss`, so OpenID Connect forbids a query on it too. */
export function checkIssuer(raw: string): UrlCheck {
  const check = checkPlatformUrl(raw);
  if (check.ok && (check.url.search || raw.includes('?'))) return { ok: false, reason: 'query' };
  return check;
}

export type TargetCheck = { ok: true; url: URL } | { ok: false; reason: 'malformed' | 'foreign_origin' };

/**
 * Where a launch may send the browser: only to our own front ends, so that a platform (or anyone
 * replaying its messages) cannot turn the launch into an open redirect carrying a sign-in code.
 */
export function checkTargetLink(raw: string, allowedOrigins: readonly string[]): TargetCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'foreign_origin' };
  const allowed = allowedOrigins.some((origin) => {
    try {
      return new URL(origin).origin === url.origin;
    } catch {
      return false;
    }
  });
  return allowed ? { ok: true, url } : { ok: false, reason: 'foreign_origin' };
}
