import { expect } from 'vitest';
import { BASE, type CallOptions, call, json, post } from './api';
import type { FakeLms, IdTokenOptions } from './fake-lms';
import { staff } from './staff';

/**
 * Drives the LTI tool over its real routes the way an LMS and a browser do: an admin's
 * registration link, the LMS opening it, the login initiation, the platform's authorization
 * answer auto-posted to the launch, and the SPA's code exchange.
 */

export type Staff = Awaited<ReturnType<typeof staff>>;

let admin: Promise<Staff> | undefined;
/** One ADMIN (signed in with MFA) per test file: the admin API wants a second factor. */
export function ltiAdmin(): Promise<Staff> {
  admin ??= staff('ADMIN');
  return admin;
}

export const adminCall = async (method: string, path: string, body?: unknown) =>
  call(method, `/api/auth/admin/lti/${path}`, { body, token: (await ltiAdmin()).access_token });

/** The form an HTML page posts. */
export function formPost(fields: Record<string, string>, options: CallOptions = {}): CallOptions {
  return {
    ...options,
    rawBody: new URLSearchParams(fields).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...options.headers },
  };
}

export async function registrationLink(): Promise<string> {
  const response = await adminCall('POST', 'registrations');
  expect(response.status).toBe(201);
  return (await json(response)).url as string;
}

/** What the LMS does with the link its administrator pasted: opens it with its own two parameters. */
export function openRegistration(link: string, lms: FakeLms, registrationToken = 'lms-registration-token') {
  const url = new URL(link);
  url.searchParams.set('openid_configuration', lms.urls.openidConfiguration);
  if (registrationToken) url.searchParams.set('registration_token', registrationToken);
  return call('GET', `${url.pathname}${url.search}`);
}

export interface RegisteredPlatform {
  id: string;
  name: string;
  deployment_ids: string[];
  awaiting_deployment: boolean;
  trusts_emails: boolean;
  [field: string]: unknown;
}

export async function platformOf(lms: FakeLms): Promise<RegisteredPlatform> {
  const { platforms } = await json<{ platforms: RegisteredPlatform[] }>(await adminCall('GET', 'platforms'));
  const found = platforms.find((platform) => platform.issuer === lms.issuer && platform.client_id === lms.clientId);
  if (!found) throw new Error(`${lms.issuer} is not registered`);
  return found;
}

/** Registers the fake LMS through dynamic registration, then applies `settings` through the admin API. */
export async function registerDynamically(lms: FakeLms, settings: Record<string, unknown> = {}) {
  const page = await openRegistration(await registrationLink(), lms);
  if (page.status !== 200) throw new Error(`registration failed: ${page.status} ${await page.text()}`);
  const platform = await platformOf(lms);
  if (Object.keys(settings).length === 0) return platform;
  const updated = await adminCall('PATCH', `platforms/${platform.id}`, settings);
  expect(updated.status).toBe(200);
  return (await json<{ platform: RegisteredPlatform }>(updated)).platform;
}

/** GET /lti/login as the LMS sends the browser there (POST when `post` is set). */
export function ltiLogin(
  lms: FakeLms,
  overrides: Record<string, string | undefined> = {},
  options: { post?: boolean } = {},
) {
  const parameters = lms.loginParameters(overrides);
  return options.post
    ? call('POST', '/lti/login', formPost(parameters))
    : call('GET', `/lti/login?${new URLSearchParams(parameters)}`);
}

/** The cookie a response set, as a browser would send it back (name=value). */
export function cookieFrom(response: Response): string | undefined {
  return response.headers.get('Set-Cookie')?.split(';')[0];
}

export interface LaunchRun {
  login: Response;
  launch: Response;
  form: { id_token: string; state: string };
  cookie: string | undefined;
}

/**
 * A whole launch: login initiation, the platform's answer, the form post. The browser sends the
 * login's cookie back unless `cookies: false` (a frame without third-party cookies).
 */
export async function launch(
  lms: FakeLms,
  options: { token?: IdTokenOptions; login?: Record<string, string | undefined>; cookies?: boolean } = {},
): Promise<LaunchRun> {
  const login = await ltiLogin(lms, options.login);
  expect(login.status, await login.clone().text()).toBe(302);
  const answer = await lms.authorize(login.headers.get('Location') ?? '', options.token);
  if (!answer.ok) throw new Error(`the platform refused the authorization request: ${answer.error}`);
  expect(answer.redirectUri).toBe(`${BASE}/lti/launch`);
  const cookie = options.cookies === false ? undefined : cookieFrom(login);
  const launched = await postLaunch(answer.form, cookie);
  return { login, launch: launched, form: answer.form, cookie };
}

export function postLaunch(form: { id_token: string; state: string }, cookie?: string) {
  return call('POST', '/lti/launch', formPost(form, cookie ? { headers: { Cookie: cookie } } : {}));
}

/** The `lti_code` of a successful launch's redirect. */
export function codeOf(launched: Response): string {
  expect(launched.status).toBe(303);
  const code = new URL(launched.headers.get('Location') ?? '').searchParams.get('lti_code');
  if (!code) throw new Error('no lti_code on the redirect');
  return code;
}

export const exchange = (code: string) => post('lti/exchange', { code });

/** A launch through to the SPA's exchange; returns the exchange's answer. */
export async function signInFrom(lms: FakeLms, token: IdTokenOptions = {}) {
  const run = await launch(lms, { token });
  return exchange(codeOf(run.launch));
}
