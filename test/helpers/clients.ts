import { PASSWORD, post } from './api';

/** Real user agents and `request.cf` places, for history, sessions and suspicion tests. */
export const AGENTS = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  bot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
};
export const PARIS = {
  country: 'FR',
  city: 'Paris',
  region: 'Île-de-France',
  latitude: '48.8566',
  longitude: '2.3522',
  timezone: 'Europe/Paris',
};
export const LYON = {
  country: 'FR',
  city: 'Lyon',
  region: 'Auvergne-Rhône-Alpes',
  latitude: '45.7640',
  longitude: '4.8357',
  timezone: 'Europe/Paris',
};
export const BRUSSELS = {
  country: 'BE',
  city: 'Brussels',
  region: 'Brussels Capital',
  latitude: '50.8503',
  longitude: '4.3517',
  timezone: 'Europe/Brussels',
};
export const TOKYO = {
  country: 'JP',
  city: 'Tokyo',
  region: 'Tokyo',
  latitude: '35.6762',
  longitude: '139.6503',
  timezone: 'Asia/Tokyo',
};

/** Signs in from a given agent, place and address. */
export function signInFrom(
  email: string,
  agent: string | undefined,
  cf: Record<string, unknown> | undefined,
  ip = '203.0.113.7',
  password = PASSWORD,
) {
  return post(
    'login',
    { email, password },
    { headers: { 'CF-Connecting-IP': ip, ...(agent ? { 'User-Agent': agent } : {}) }, cf },
  );
}
