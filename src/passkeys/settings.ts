/** Who we are to browsers and authenticators: one RP ID, its display name, the origins allowed to use it. */
export interface WebAuthnSettings {
  rpId: string;
  rpName: string;
  origins: string[];
}

/** The variables as they arrive from the environment (unset or empty both mean "use the default"). */
export interface WebAuthnVariables {
  APP_URL: string;
  MFA_ISSUER: string;
  /** The raw comma-separated string, or the list config.ts already split. */
  CORS_ORIGINS?: string | string[];
  WEBAUTHN_RP_ID?: string;
  WEBAUTHN_RP_NAME?: string;
  WEBAUTHN_ORIGINS?: string;
}

export type WebAuthnSettingsResult = { ok: true; settings: WebAuthnSettings } | { ok: false; issues: string[] };

// Browsers refuse IP addresses and anything with a scheme, port or path as an RP ID.
const DOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV4 = /^\d+(\.\d+){3}$/;

/**
 * Defaults: RP ID = APP_URL's host name (no port: RP IDs have none), RP name = MFA_ISSUER (the name
 * users already see in their authenticator app), origins = APP_URL's origin plus CORS_ORIGINS.
 * Fails on settings with which no browser could ever complete a ceremony.
 */
export function deriveWebAuthnSettings(variables: WebAuthnVariables): WebAuthnSettingsResult {
  const issues: string[] = [];
  const appUrl = parseHttpUrl(variables.APP_URL);
  if (!appUrl) return { ok: false, issues: ['APP_URL must be an http(s) URL'] };

  const rpId = (blankToUndefined(variables.WEBAUTHN_RP_ID) ?? appUrl.hostname).toLowerCase();
  if (!DOMAIN.test(rpId) || IPV4.test(rpId)) {
    issues.push(`WEBAUTHN_RP_ID must be a domain name without scheme or port (got "${rpId}")`);
  }

  const explicitOrigins = blankToUndefined(variables.WEBAUTHN_ORIGINS);
  const source = explicitOrigins === undefined ? 'CORS_ORIGINS' : 'WEBAUTHN_ORIGINS';
  const listed = explicitOrigins === undefined ? [appUrl.origin, ...csv(variables.CORS_ORIGINS)] : csv(explicitOrigins);
  const origins: string[] = [];
  for (const entry of listed) {
    const url = parseHttpUrl(entry);
    if (!url) issues.push(`${source}: "${entry}" is not an http(s) origin`);
    else if (!origins.includes(url.origin)) origins.push(url.origin);
  }
  if (issues.length === 0 && !origins.some((origin) => isWithin(new URL(origin).hostname, rpId))) {
    issues.push(`no WebAuthn origin is on "${rpId}" or one of its subdomains: set WEBAUTHN_RP_ID or WEBAUTHN_ORIGINS`);
  }

  if (issues.length > 0) return { ok: false, issues };
  const rpName = blankToUndefined(variables.WEBAUTHN_RP_NAME) ?? variables.MFA_ISSUER;
  return { ok: true, settings: { rpId, rpName, origins } };
}

function isWithin(hostname: string, rpId: string): boolean {
  return hostname === rpId || hostname.endsWith(`.${rpId}`);
}

function parseHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function csv(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value : (value ?? '').split(',')).map((item) => item.trim()).filter(Boolean);
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
