import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium';
import { type DevServer, startDevServer } from './dev-server';

/**
 * Passkeys end to end: the real dev server (`npm start`), a front-end page served from an origin
 * listed in CORS_ORIGINS and WEBAUTHN_ORIGINS, real Chromium with its virtual authenticator
 * (DevTools protocol `WebAuthn` domain). The page does what a single-page app does: it calls the
 * API cross-origin with fetch and runs `navigator.credentials.create()` / `.get()` with the
 * options the API hands out. Needs Debian's `chromium` package (.ci/run installs it).
 */

const PASSWORD = 'Correct-Horse9!';

let pages: Server;
let service: DevServer;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
let api = '';

beforeAll(async () => {
  // An empty page is enough: WebAuthn needs a secure context, and http://localhost is one.
  pages = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>Learning Platform</title>');
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(pages.address() as AddressInfo).port}`;

  // RP ID `localhost` comes from wrangler.toml's APP_URL; the page's origin is allowed explicitly.
  service = await startDevServer({ vars: { CORS_ORIGINS: origin, WEBAUTHN_ORIGINS: origin } });
  api = `${service.url}/api/auth/`;

  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(origin);
  cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await new Promise((resolve) => pages?.close(resolve));
}, 60_000);

/** A platform authenticator with a fingerprint reader that always recognises the user. */
async function addPlatformAuthenticator(): Promise<string> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

/** A verified account, created over HTTP with the link the console email transport printed. */
async function verifiedAccount(): Promise<string> {
  const email = `passkey.${Date.now()}@example.com`;
  const registered = await fetch(`${api}register/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, username: `pk_${Date.now()}`, password: PASSWORD, password_confirm: PASSWORD }),
  });
  expect(registered.status).toBe(201);
  const escaped = email.replace(/[.]/g, '\\.');
  const link = new RegExp(`To: ${escaped}[\\s\\S]*?/verify-email\\?token=([A-Za-z0-9_-]+)`);
  let token: string | undefined;
  for (let waited = 0; !token && waited < 10_000; waited += 100) {
    token = link.exec(service.output())?.[1];
    if (!token) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const verified = await fetch(`${api}verify-email/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  expect(verified.status).toBe(200);
  return email;
}

/** In the page: sign in with the password, then add a passkey the way the README shows. */
function registerInPage(email: string) {
  return page.evaluate(
    async ({ api, email, password }) => {
      const call = async (path: string, body?: unknown, token?: string) => {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (token) headers.Authorization = `Bearer ${token}`;
        const response = await fetch(api + path, {
          method: body === undefined ? 'GET' : 'POST',
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: response.status, body: await response.json() };
      };
      const login = await call('login/', { email, password });
      const token = login.body.access_token as string;
      const options = await call('passkeys/register/options/', {}, token);
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.body.options);
      const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential;
      const registered = await call(
        'passkeys/register/',
        { response: credential.toJSON(), name: 'This laptop' },
        token,
      );
      const listed = await call('passkeys/', undefined, token);
      return { login: login.status, options: options.status, registered, listed };
    },
    { api, email, password: PASSWORD },
  );
}

/** In the page: the discoverable sign-in (no email typed), then `me/` with the new access token. */
function signInInPage() {
  return page.evaluate(async (api) => {
    const post = async (path: string, body: unknown) => {
      const response = await fetch(api + path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    const options = await post('login/passkey/options/', {});
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.body.options);
    const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential;
    const signedIn = await post('login/passkey/', { response: credential.toJSON() });
    if (signedIn.status !== 200) return { signedIn, me: null };
    const me = await fetch(`${api}me/`, { headers: { Authorization: `Bearer ${signedIn.body.access_token}` } });
    return { signedIn, me: { status: me.status, body: await me.json() } };
  }, api);
}

describe('a passkey through Chromium, against the dev server', () => {
  it('registers after a password sign-in, signs in without a password, and a clone is refused', {
    timeout: 120_000,
  }, async () => {
    const authenticatorId = await addPlatformAuthenticator();
    const email = await verifiedAccount();

    const registration = await registerInPage(email);
    expect(registration).toMatchObject({ login: 200, options: 200, registered: { status: 201 } });
    expect(registration.registered.body.passkey).toMatchObject({ name: 'This laptop', device_type: 'singleDevice' });
    expect(registration.listed.body).toHaveLength(1);
    const [held] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    expect(held).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    expect(service.output()).toMatch(new RegExp(`To: ${email.replace(/[.]/g, '\\.')}\\nSubject: A passkey was added`));

    for (let round = 0; round < 2; round++) {
      const { signedIn, me } = await signInInPage();
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.message).toBe('Passkey authentication successful');
      const claims = JSON.parse(Buffer.from(signedIn.body.access_token.split('.')[1], 'base64url').toString());
      expect(claims.amr).toEqual(['passkey']);
      expect(me).toEqual({ status: 200, body: expect.objectContaining({ email }) });
    }

    // The same private key on another device whose signature counter started over.
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    const cloneId = await addPlatformAuthenticator();
    await cdp.send('WebAuthn.addCredential', { authenticatorId: cloneId, credential: { ...held!, signCount: 0 } });
    const { signedIn } = await signInInPage();
    expect(signedIn).toMatchObject({ status: 400, body: { code: 'invalid_credentials' } });
    await expect
      .poll(() => service.output(), { timeout: 10_000 })
      .toContain('Subject: A sign-in with a copy of your passkey was refused');
  });
});
