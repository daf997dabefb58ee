import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { type Browser, type CDPSession, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebAuthnSettings } from '../../src/passkeys/settings';
import {
  authenticationOptions,
  registrationOptions,
  type StoredPasskey,
  verifyAuthentication,
  verifyRegistration,
} from '../../src/passkeys/webauthn';

/**
 * Proof of concept: real Chromium, its virtual authenticator (DevTools protocol `WebAuthn` domain),
 * `navigator.credentials.create()` / `.get()` on a page of an allowed origin, and our ceremony
 * wrappers (run here in Node) on both ends. Needs Debian's `chromium` package.
 */

const BROWSER_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server: Server;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
let settings: WebAuthnSettings;

beforeAll(async () => {
  // An empty page is enough: WebAuthn only needs a secure context, and http://localhost is one.
  server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>passkey</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  settings = { rpId: 'localhost', rpName: 'Learning Platform', origins: [origin] };

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_ARGS, timeout: 60_000 });
  page = await browser.newPage();
  await page.goto(origin);
  cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

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

// What @simplewebauthn/browser does, with the browser's own JSON methods (WebAuthn Level 3).
function create(options: unknown): Promise<RegistrationResponseJSON> {
  return page.evaluate(async (json) => {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(json as PublicKeyCredentialCreationOptionsJSON);
    const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential;
    return credential.toJSON() as RegistrationResponseJSON;
  }, options);
}

function get(options: unknown): Promise<AuthenticationResponseJSON> {
  return page.evaluate(async (json) => {
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(json as PublicKeyCredentialRequestOptionsJSON);
    const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential;
    return credential.toJSON() as AuthenticationResponseJSON;
  }, options);
}

async function signIn(passkey: StoredPasskey) {
  const { options, challenge } = await authenticationOptions(settings);
  const response = await get(options);
  return verifyAuthentication(settings, { response, expectedChallenge: challenge, passkey });
}

describe('a passkey in Chromium’s virtual authenticator', () => {
  it('registers, signs in twice, and a clone of it is caught by its counter', { timeout: 60_000 }, async () => {
    const authenticatorId = await addPlatformAuthenticator();
    const userId = crypto.randomUUID();
    const owner = { id: userId, name: 'ada@example.com', displayName: 'Ada' };

    const creation = await registrationOptions(settings, owner, []);
    const registration = await verifyRegistration(settings, {
      response: await create(creation.options),
      expectedChallenge: creation.challenge,
    });
    expect(registration).toMatchObject({
      ok: true,
      passkey: { userVerified: true, deviceType: 'singleDevice', backedUp: false, transports: ['internal'] },
    });
    if (!registration.ok) return;
    const stored: StoredPasskey = { ...registration.passkey, userId };
    const [held] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    expect(held).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });

    // The discoverable flow: no credential named, the authenticator finds it by RP ID.
    const first = await signIn(stored);
    expect(first).toMatchObject({ ok: true });
    if (!first.ok) return;
    const second = await signIn({ ...stored, counter: first.counter });
    expect(second).toMatchObject({ ok: true });
    if (!second.ok) return;
    expect(second.counter).toBeGreaterThan(first.counter);

    // Excluded on a second registration: the browser refuses before any key is made.
    const again = await registrationOptions(settings, owner, [registration.passkey]);
    await expect(create(again.options)).rejects.toThrow(/InvalidStateError/);

    // A copy of the private key on another device, whose counter starts over.
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    const cloneId = await addPlatformAuthenticator();
    await cdp.send('WebAuthn.addCredential', { authenticatorId: cloneId, credential: { ...held!, signCount: 0 } });
    expect(await signIn({ ...stored, counter: second.counter })).toMatchObject({
      ok: false,
      reason: 'counter_regression',
      storedCounter: second.counter,
    });
  });
});
