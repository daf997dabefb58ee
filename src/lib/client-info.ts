import ipaddr from 'ipaddr.js';
import uaParser from 'ua-parser-js';

// A UMD module: bundlers expose the constructor as the default export, some loaders as `.UAParser`.
const UAParser: typeof uaParser = (uaParser as unknown as { UAParser?: typeof uaParser }).UAParser ?? uaParser;

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  device: 'Desktop' | 'Mobile' | 'Tablet' | 'Other';
  browser: string | null;
  browserName: string | null;
  os: string | null;
  country: string | null;
  countryCode: string | null;
  city: string | null;
  region: string | null;
  latitude: number | null;
  longitude: number | null;
  timezone: string | null;
  location: string | null;
}

type Geo = Partial<Record<'country' | 'city' | 'region' | 'latitude' | 'longitude' | 'timezone', unknown>>;

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const BOT_PATTERN = /bot|crawl|spider|slurp|curl|wget|python-requests|httpclient|headless/i;
const DESKTOP_OS = /windows|mac os|linux|ubuntu|debian|fedora|chrom(e|ium) os|freebsd/i;

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function coordinate(value: unknown): number | null {
  const parsed = typeof value === 'number' ? value : Number.parseFloat(String(value ?? ''));
  return Number.isFinite(parsed) ? parsed : null;
}

/** "Paris, France", "France", or null: how every API answer shows a place. */
export function locationOf(city: string | null, country: string | null): string | null {
  return [city, country].filter(Boolean).join(', ') || null;
}

export function countryName(code: string | null): string | null {
  if (!code || !/^[A-Z]{2}$/i.test(code) || code.toUpperCase() === 'XX' || code.toUpperCase() === 'T1') {
    return null;
  }
  try {
    return regionNames.of(code.toUpperCase()) ?? null;
  } catch {
    return null;
  }
}

export function parseUserAgent(
  userAgent: string | null,
): Pick<ClientInfo, 'device' | 'browser' | 'browserName' | 'os'> {
  if (!userAgent) return { device: 'Other', browser: null, browserName: null, os: null };
  const parsed = new UAParser(userAgent).getResult();
  const browser = parsed.browser.name ? [parsed.browser.name, parsed.browser.major].filter(Boolean).join(' ') : null;
  const os = parsed.os.name ? [parsed.os.name, parsed.os.version].filter(Boolean).join(' ') : null;
  let device: ClientInfo['device'] = 'Other';
  if (BOT_PATTERN.test(userAgent)) device = 'Other';
  else if (parsed.device.type === 'mobile') device = 'Mobile';
  else if (parsed.device.type === 'tablet') device = 'Tablet';
  else if (!parsed.device.type && os && DESKTOP_OS.test(os)) device = 'Desktop';
  return { device, browser, browserName: parsed.browser.name ?? null, os };
}

/** Stored user agents are capped: real ones fit, and a client cannot make every row it causes large. */
const MAX_USER_AGENT = 256;

/**
 * The canonical form of an address, or null when it is not one. IPv4-mapped IPv6 addresses
 * (`::ffff:192.0.2.1`) are the IPv4 address they carry, so they share its counters.
 */
export function canonicalIp(value: string | null): string | null {
  if (!value || !ipaddr.isValid(value)) return null;
  const address = ipaddr.process(value);
  return address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}

/**
 * The rate-limit subject of an address. An IPv6 client usually holds a whole /64 and can rotate
 * within it at will, so IPv6 addresses count per /64; IPv4 addresses count one by one.
 */
export function ipSubject(ip: string | null): string | null {
  const canonical = canonicalIp(ip);
  if (!canonical) return null;
  const address = ipaddr.parse(canonical);
  if (address.kind() === 'ipv4') return canonical;
  const prefix = ipaddr.IPv6.networkAddressFromCIDR(`${canonical}/64`) as ipaddr.IPv6;
  return `${prefix.toRFC5952String()}/64`;
}

/** Who is calling: the IP from CF-Connecting-IP only (X-Forwarded-For is client-controlled). */
export function readClientInfo(request: Request): ClientInfo {
  const geo = ((request as { cf?: Geo }).cf ?? {}) as Geo;
  const userAgent = text(request.headers.get('User-Agent'))?.slice(0, MAX_USER_AGENT) ?? null;
  const countryCode = text(geo.country);
  const country = countryName(countryCode);
  const city = text(geo.city);
  return {
    ip: canonicalIp(text(request.headers.get('CF-Connecting-IP'))),
    userAgent,
    ...parseUserAgent(userAgent),
    country,
    countryCode: country ? (countryCode?.toUpperCase() ?? null) : null,
    city,
    region: text(geo.region),
    latitude: coordinate(geo.latitude),
    longitude: coordinate(geo.longitude),
    timezone: text(geo.timezone),
    location: locationOf(city, country),
  };
}
