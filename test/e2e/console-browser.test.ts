import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, localFilesOf, startDevServer } from './dev-server';
import { type FakeGitHub, startFakeGitHub } from './fake-github';

/**
 * The account console in real Chromium against `npm start`, walked as a person would: register,
 * follow the emailed link, sign in, turn MFA on (reading the key from the page), sign out, sign in
 * with the second step, sessions, activity. Every page is checked with axe-core (no serious or
 * critical violation) and for CSP violations, and photographed at desktop and phone widths into
 * test-results/screenshots/. Needs Debian's `chromium` package.
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
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const PASSWORD = 'Correct-Horse9!';
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server: DevServer;
/** Where the browser opens the console: the origin of APP_URL. */
let site = '';
let github: FakeGitHub;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Everything the pages logged as errors, CSP violations included. */
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  github = await startFakeGitHub();
  server = await startDevServer({
    vars: {
      // The email links point at the console of this very server, on `localhost` (not 127.0.0.1:
      // WebAuthn takes its RP ID from APP_URL, and an IP address cannot be one).
      APP_URL: 'http://localhost:{port}/account',
      GITHUB_CLIENT_ID: github.clientId,
      GITHUB_CLIENT_SECRET: github.clientSecret,
      GITHUB_OAUTH_URL: github.url,
      GITHUB_API_URL: github.url,
      OAUTH_REDIRECT_URIS: 'http://localhost:{port}/account/oauth/callback',
      // The walk signs in some 40 times from one address within a few minutes (a passkey sign-in
      // counts twice); the per-IP limit has tests of its own.
      RATE_LIMIT_LOGIN_IP: '600/60',
    },
  });
  site = `http://localhost:${new URL(server.url).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_ARGS, timeout: 60_000 });
  context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', acceptDownloads: true });
  // Not subject to the page's CSP (it comes through DevTools), so it can watch for violations.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // API refusals (a wrong password's 401, a wrong code's 400) are asserted where they happen.
    const refusal =
      message.text().startsWith('Failed to load resource') && message.location().url.includes('/api/auth/');
    if (!refusal) pageErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => pageErrors.push(`uncaught: ${error.message}`));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await github?.close();
});

async function waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(server.output());
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${pattern} not seen in the server output`);
}

/** The link of the last email to `email` whose line starts with `label`. */
async function emailedLink(email: string, pathName: string): Promise<string> {
  const escaped = email.replace(/[.+]/g, '\\$&');
  const pattern = new RegExp(
    `To: ${escaped}\\n[\\s\\S]*?(http://localhost:\\d+/account/${pathName}\\?token=[\\w-]+)`,
    'g',
  );
  await waitForOutput(new RegExp(pattern.source));
  const links = [...server.output().matchAll(pattern)];
  return links.at(-1)![1]!;
}

async function api(method: string, route: string, body?: unknown, token?: string, userAgent?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (userAgent) headers['User-Agent'] = userAgent;
  const response = await fetch(`${server.url}/api/auth/${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/**
 * axe-core on the page as it is (no serious or critical violation), no CSP violation or script
 * error so far, and screenshots at desktop and phone widths. axe is evaluated through DevTools,
 * which the page's CSP does not cover (a <script> tag would be refused, rightly).
 */
async function checkPage(name: string) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<any> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation: any) => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.map((node: any) => node.target.join(' ')),
    }));
  });
  const serious = violations.filter((violation: any) => ['serious', 'critical'].includes(violation.impact));
  expect(serious, `${name}: axe violations`).toEqual([]);
  expect(pageErrors, `${name}: page errors`).toEqual([]);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}

/**
 * Makes the user's sign-ins 11 minutes old, from a shell on the local database (as `admin:promote`
 * does): the only way to see, without waiting, what a change asks once a sign-in is not recent.
 */
async function ageSignIns(email: string) {
  const { state } = await localFilesOf(server);
  const sql = `UPDATE sessions SET authenticated_at = ${Date.now() - 11 * 60_000} WHERE user_id = (SELECT id FROM users WHERE email = '${email}')`;
  const result = spawnSync(
    path.resolve(import.meta.dirname, '../../node_modules/.bin/wrangler'),
    ['d1', 'execute', 'DB', '--local', `--persist-to=${state}`, '--command', sql],
    { cwd: path.resolve(import.meta.dirname, '../..'), encoding: 'utf8' },
  );
  expect(result.status, result.stderr).toBe(0);
}

const message = () => page.locator('#message');
/** A link of the account navigation (other links may share its words). */
const navTo = (name: string, navigation = 'Account pages') =>
  page.getByRole('navigation', { name: navigation }).getByRole('link', { name, exact: true }).click();
const heading = () => page.getByRole('heading', { level: 1 });

describe('the account console in Chromium', () => {
  const stamp = Date.now();
  let email = `console.${stamp}@example.com`;
  let username = `console_${stamp}`;
  let secret = '';
  let backupCodes: string[] = [];

  it('registers, and verifies the address through the emailed link', { timeout: 120_000 }, async () => {
    await page.goto(`${site}/account/register`, { waitUntil: 'networkidle' });
    await expect(heading().textContent()).resolves.toBe('Create an account');
    // Fast on a phone: the whole first page (document, stylesheet, modules) weighs well under 100 KB.
    const transferred = await page.evaluate(() =>
      [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].reduce(
        (sum, entry) => sum + (entry as PerformanceResourceTiming).transferSize,
        0,
      ),
    );
    expect(transferred).toBeGreaterThan(5_000);
    expect(transferred).toBeLessThan(100_000);
    // Kept with the screenshots, for the README's figure.
    writeFileSync(path.join(SCREENSHOTS, '..', 'first-page-bytes.txt'), `${transferred}\n`);
    await checkPage('register');
    // Keyboard: the first Tab reaches the skip link, which moves on to the page's content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(new URL(page.url()).pathname).toBe('/account/register');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm the new password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create my account' }).click();
    await message()
      .filter({ hasText: `we sent a link to ${email}` })
      .waitFor();
    expect(await page.locator('#register-form').isHidden()).toBe(true);

    await page.goto(await emailedLink(email, 'verify-email'));
    await message().filter({ hasText: 'Your email address is verified' }).waitFor();
    await checkPage('verify-email');
  });

  it('signs in, sees the overview and its recommended next step', { timeout: 60_000 }, async () => {
    await page.getByRole('link', { name: 'Go to sign-in' }).click();
    await page.waitForURL('**/account/sign-in');
    await checkPage('sign-in');
    // With the keyboard alone: the focus is on the new page's heading, the form comes next.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Wrong-Horse9!');
    await page.keyboard.press('Enter');
    await message().filter({ hasText: 'Wrong email address or password.' }).waitFor();

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/account/');
    await page.locator('[data-field="username"]').filter({ hasText: username }).waitFor();
    expect(await page.locator('[data-field="email"]').textContent()).toBe(`${email} verified`);
    expect(await page.locator('[data-field="role"]').textContent()).toBe('Student');
    expect(await page.locator('[data-field="mfa"]').textContent()).toBe('Off');
    expect(await page.locator('[data-field="passkeys"]').textContent()).toBe('None');
    await page.locator('#next-step-text').filter({ hasText: 'Add a passkey' }).waitFor();
    expect(await page.getByRole('link', { name: 'Add a passkey' }).getAttribute('href')).toBe(
      '/account/security#passkeys-section',
    );
    await checkPage('overview');
    // The tokens are in memory only.
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
  });

  it('turns MFA on with the key read from the page, and keeps the backup codes', { timeout: 60_000 }, async () => {
    await navTo('Security');
    await page.waitForURL('**/account/security');
    await page.locator('#mfa-status').filter({ hasText: 'Off' }).waitFor();
    await checkPage('security');

    // A sign-in under 10 minutes old confirms the change by itself: no password asked.
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await page
      .locator('#mfa-secret')
      .filter({ hasText: /^[A-Z2-7]{32}$/ })
      .waitFor();
    secret = (await page.locator('#mfa-secret').textContent())!;
    const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(await qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0)).toBe(true);
    backupCodes = await page.locator('#backup-code-list li').allTextContents();
    expect(backupCodes).toHaveLength(8);
    for (const code of backupCodes) expect(code).toMatch(/^\d{4}-\d{4}$/);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download' }).click();
    const file = await (await download).path();
    const saved = readFileSync(file, 'utf8');
    expect(saved).toContain(`Backup codes for ${email}`);
    for (const code of backupCodes) expect(saved).toContain(code);
    await checkPage('security-mfa-setup');

    await page.getByLabel('Code shown by the app').fill('000000');
    await page.getByRole('button', { name: 'Confirm and turn on' }).click();
    await page.locator('#mfa-verify-code-error').filter({ hasText: 'That code is not valid' }).waitFor();
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await page.getByLabel('Code shown by the app').fill(totp.generate());
    await page.getByRole('button', { name: 'Confirm and turn on' }).click();
    await message().filter({ hasText: 'Two-step verification is on' }).waitFor();
    expect(await page.locator('#mfa-status').textContent()).toBe('On');
    expect(await page.locator('#backup-codes').isHidden()).toBe(true);
  });

  it('signs out, and signs in again through the MFA step', { timeout: 60_000 }, async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/account/sign-in');
    await message().filter({ hasText: 'You are signed out.' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).isHidden()).toBe(true);

    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await checkPage('sign-in-mfa');
    const code = page.getByLabel('Code from your authenticator app, or a backup code');
    await code.fill('123456');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('#mfa-code-error').filter({ hasText: 'That code is not valid' }).waitFor();
    expect(await code.getAttribute('aria-invalid')).toBe('true');
    // The code of the next time step: the current one was spent turning MFA on (replay refused).
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await code.fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((url) => url.pathname === '/account/');
    await page.locator('[data-field="mfa"]').filter({ hasText: 'On' }).waitFor();
    // Still no passkey: that stays the recommendation.
    await page.locator('#next-step-text').filter({ hasText: 'Add a passkey' }).waitFor();
  });

  it('asks for the password again for a change once the sign-in is 10 minutes old', { timeout: 90_000 }, async () => {
    await ageSignIns(email);
    await navTo('Security');
    await page.locator('#mfa-status').filter({ hasText: 'On' }).waitFor();
    await page.getByRole('button', { name: 'Make new backup codes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor();
    // Escape closes it, and nothing changes.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator('#backup-codes').isHidden()).toBe(true);

    await page.getByRole('button', { name: 'Make new backup codes' }).click();
    await dialog.waitFor();
    expect(await dialog.getByLabel('Password').evaluate((input) => input === document.activeElement)).toBe(true);
    await checkPage('security-reauth');
    await dialog.getByLabel('Password').fill('Wrong-Horse9!');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Wrong password.' }).waitFor();
    await dialog.getByLabel('Password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await message().filter({ hasText: 'New backup codes are ready' }).waitFor();
    expect(await dialog.isHidden()).toBe(true);
    const fresh = await page.locator('#backup-code-list li').allTextContents();
    expect(fresh).toHaveLength(8);
    expect(fresh.filter((code) => backupCodes.includes(code))).toEqual([]);
    backupCodes = fresh;
  });

  it('adds a passkey with the virtual authenticator (confirming it is you), renames it, signs in with it', {
    timeout: 90_000,
  }, async () => {
    // Chromium's virtual authenticator: a platform authenticator whose fingerprint check passes.
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
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
    await ageSignIns(email);
    await page.locator('#passkey-list').filter({ hasText: 'No passkey yet.' }).waitFor();
    await page.getByLabel('Name of the new passkey (optional)').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    // The sign-in is 11 minutes old (previous test): the page asks for the password first.
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor();
    await dialog.getByLabel('Password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await message().filter({ hasText: '“Test laptop” is added: you can sign in with it now.' }).waitFor();
    const passkeys = page.locator('#passkey-list > li.passkey');
    await expect.poll(() => passkeys.count()).toBe(1);
    expect(await passkeys.locator('h3').textContent()).toBe('Test laptop');
    expect(await passkeys.locator('.hint').textContent()).toMatch(/^Added .* · never used$/);
    const held = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    await checkPage('security-passkeys');

    // The same authenticator again: the API excludes the passkeys the account has.
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await message().filter({ hasText: 'This device already holds a passkey for your account.' }).waitFor();

    await page.getByRole('button', { name: 'Rename Test laptop' }).click();
    await page.getByLabel('New name for “Test laptop”').fill('Work laptop');
    await page.getByRole('button', { name: 'Save' }).click();
    await message().filter({ hasText: 'The passkey is now called “Work laptop”.' }).waitFor();
    await passkeys.locator('h3').filter({ hasText: 'Work laptop' }).waitFor();

    await navTo('Overview');
    await page.locator('[data-field="passkeys"]').filter({ hasText: '1 passkey' }).waitFor();
    await page.locator('#next-step-text').filter({ hasText: 'check the devices' }).waitFor();
    await checkPage('overview-passkey');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/account/sign-in');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    // No email, no password, no second step: the passkey is both factors.
    await page.waitForURL((url) => url.pathname === '/account/');
    await page.locator('[data-field="username"]').filter({ hasText: username }).waitFor();
    await navTo('Security');
    await passkeys
      .locator('.hint')
      .filter({ hasText: /· last used / })
      .waitFor();
  });

  it('links GitHub in a second window, signs in with it through the MFA step, and unlinks it', {
    timeout: 90_000,
  }, async () => {
    github.signInAs({ id: 4242, login: 'octo-console', email: `octo.${stamp}@example.com` });
    const popup = page.waitForEvent('popup');
    await page.getByRole('button', { name: 'Link GitHub', exact: true }).click();
    await message().filter({ hasText: 'GitHub is linked.' }).waitFor();
    const authorize = github.authorizations.at(-1)!;
    expect(authorize.get('redirect_uri')).toBe(`${site}/account/oauth/callback`);
    expect(authorize.get('state')).toMatch(/^link\.[\w-]{43}$/);
    expect(authorize.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.get('code_challenge_method')).toBe('S256');
    // The second window handed the code back and closed itself.
    await expect.poll(async () => (await popup).isClosed()).toBe(true);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/account/sign-in');
    await checkPage('sign-in-with-providers');
    await page.getByRole('button', { name: 'Continue with GitHub' }).click();
    // Back from GitHub: the account has MFA, so the sign-in page asks for the second step.
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/account/sign-in');
    await page.getByLabel('Code from your authenticator app, or a backup code').fill(backupCodes[2]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((url) => url.pathname === '/account/');
    await page.locator('[data-field="username"]').filter({ hasText: username }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0); // state and verifier used up

    await navTo('Security');
    await page.getByRole('button', { name: 'Unlink GitHub' }).click();
    await message().filter({ hasText: 'GitHub is unlinked.' }).waitFor();
    await page.getByRole('button', { name: 'Unlink GitHub' }).click();
    await message().filter({ hasText: 'GitHub is not linked to your account.' }).waitFor();
  });

  it('marks this session, and signs out another one', { timeout: 60_000 }, async () => {
    // A second session, from a phone, through the public API.
    const phone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1';
    const challenge = await api('POST', 'login/', { email, password: PASSWORD }, undefined, phone);
    expect(challenge.status).toBe(428);
    const other = await api(
      'POST',
      'login/mfa/',
      { mfa_token: challenge.body.mfa_token, mfa_code: backupCodes[0] },
      undefined,
      phone,
    );
    expect(other.status).toBe(200);

    await navTo('Sessions');
    await page.waitForURL('**/account/sessions');
    const sessions = page.locator('#session-list > li');
    await expect.poll(() => sessions.count()).toBe(2);
    const current = page.locator('#session-list > li.current');
    expect(await current.count()).toBe(1);
    expect(await current.getByText('This device').count()).toBe(1);
    expect(await current.getByRole('button').count()).toBe(0);
    const phoneSession = page.locator('#session-list > li:not(.current)');
    expect(await phoneSession.locator('h2').textContent()).toContain('Mobile Safari 17 on iOS 17.0 (Mobile)');
    await checkPage('sessions');

    await phoneSession.getByRole('button', { name: /^Sign out the session of Mobile Safari/ }).click();
    await message().filter({ hasText: 'That session is signed out.' }).waitFor();
    await expect.poll(() => sessions.count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Sign out everywhere else' }).isDisabled()).toBe(true);
    expect((await api('GET', 'me/', undefined, other.body.access_token)).status).toBe(401);
  });

  it('shows today’s attempts in the activity chart and the history table', { timeout: 60_000 }, async () => {
    // What the API counts, asked before the page loads (that sign-in is counted too).
    const signedIn = await api('POST', 'login/mfa/', { email, password: PASSWORD, mfa_code: backupCodes[1] });
    const statistics = (await api('GET', 'login-statistics/?days=30', undefined, signedIn.body.access_token)).body;
    await api('POST', 'logout/', undefined, signedIn.body.access_token);
    const shown = { ok: statistics.successful_logins, failed: statistics.failed_logins };
    await navTo('Sign-in activity');
    await page.waitForURL('**/account/activity');
    const total = shown.ok + shown.failed;
    await page
      .locator('#per-day-caption')
      .filter({ hasText: `Attempts over the last 30 days: ${total} (${shown.ok} successful, ${shown.failed} failed).` })
      .waitFor();
    expect(shown.failed).toBeGreaterThanOrEqual(2); // the wrong password and the wrong MFA code
    expect(await page.getByRole('img', { name: /^Attempts over the last 30 days/ }).count()).toBe(1);
    expect(await page.locator('svg.per-day rect.ok').count()).toBe(1); // all of it today
    expect(await page.locator('svg.per-day rect.failed').count()).toBe(1);
    const today = new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(new Date());
    const todayRow = page.locator('#per-day-figure table tbody tr');
    expect(await todayRow.allTextContents()).toEqual([`${today}${shown.ok}${shown.failed}`]);
    expect(await page.getByRole('img', { name: /^Countries: / }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /^Browsers: .*Mobile Safari \d/ }).count()).toBe(1);

    const rows = page.locator('#history-table tbody tr');
    await expect.poll(() => rows.count()).toBe(total);
    expect(await rows.filter({ hasText: 'Failed (wrong password)' }).count()).toBe(1);
    expect(await rows.filter({ hasText: 'Failed (wrong two-step code)' }).count()).toBe(1);
    await checkPage('activity');

    await page.getByLabel('Successful sign-ins only').check();
    await expect.poll(() => rows.count()).toBe(shown.ok);
    expect(await rows.filter({ hasText: 'Failed' }).count()).toBe(0);
  });

  it('switches to French without losing the session', { timeout: 60_000 }, async () => {
    await page.getByRole('link', { name: 'Français' }).click();
    await page.waitForURL((url) => url.pathname === '/account/activity' && url.search === '');
    await heading().filter({ hasText: 'Activité de connexion' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await page
      .locator('#per-day-caption')
      .filter({ hasText: /Tentatives sur les 30 derniers jours/ })
      .waitFor();
    await checkPage('activity-fr');
    await navTo('Vue d’ensemble', 'Pages du compte');
    await page.locator('[data-field="mfa"]').filter({ hasText: 'Activée' }).waitFor();
    await page.getByRole('link', { name: 'English' }).click();
    await heading().filter({ hasText: 'Your account' }).waitFor();
  });

  it('stays signed in across a reload and in a new tab (the HttpOnly refresh cookie, no setting)', {
    timeout: 60_000,
  }, async () => {
    await navTo('Sessions');
    await page.waitForURL('**/account/sessions');
    const cookies = await context.cookies();
    const refresh = cookies.find((cookie) => cookie.name === '__Host-refresh_token');
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    await page.reload();
    await page.locator('#session-list > li.current').getByText('This device').waitFor();
    expect(new URL(page.url()).pathname).toBe('/account/sessions');
    // Still nothing in storage: the access token is in memory, the refresh token in the cookie.
    expect(
      await page.evaluate(() => localStorage.length + sessionStorage.length + document.cookie.length),
    ).toBeLessThan(
      30, // at most the console's language cookie, never a token
    );
    expect(await page.evaluate(() => document.cookie)).not.toContain('refresh');

    const tab = await context.newPage();
    try {
      await tab.goto(`${site}/account/`);
      await tab.locator('[data-field="username"]').filter({ hasText: username }).waitFor({ timeout: 30_000 });
    } finally {
      await tab.close();
    }
  });

  it('Your data: changes the username and the language, and downloads the data', { timeout: 90_000 }, async () => {
    await navTo('Your data');
    await page.waitForURL('**/account/data');
    await page.locator('#current-email').filter({ hasText: email }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Username', exact: true }).inputValue()).toBe(username);
    expect(await page.getByRole('button', { name: 'Delete my account' }).isVisible()).toBe(true);
    await page.getByText('Your account is deleted 7 days after you ask.').waitFor();
    await checkPage('data');

    username = `${username}_x`;
    await page.getByRole('textbox', { name: 'Username', exact: true }).fill(username);
    await page.getByRole('button', { name: 'Save' }).click();
    await message().filter({ hasText: 'Saved.' }).waitFor();
    await page.getByLabel('Language of this console and of our emails').selectOption('fr');
    await page.getByRole('button', { name: 'Save' }).click();
    // The console follows the account's new language.
    await heading().filter({ hasText: 'Vos données' }).waitFor();
    await message().filter({ hasText: 'Enregistré.' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await checkPage('data-fr');
    await page.getByLabel('Langue de cette console et de nos emails').selectOption('en');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await heading().filter({ hasText: 'Your data' }).waitFor();
    await expect.poll(() => page.getByRole('textbox', { name: 'Username', exact: true }).inputValue()).toBe(username);

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download my data' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^account-export-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = JSON.parse(readFileSync(await file.path(), 'utf8'));
    expect(exported).toMatchObject({ format: 'auth-service/account-export', profile: { email, username } });
    expect(exported.login_history.length).toBeGreaterThan(3);
    await message()
      .filter({ hasText: `Your data is downloaded (${file.suggestedFilename()}).` })
      .waitFor();
  });

  it('changes the email address through the link sent to the new one', { timeout: 90_000 }, async () => {
    const newEmail = `moved.${stamp}@example.com`;
    await page.getByLabel('New email address').fill(newEmail);
    await page.getByLabel('Current password').fill('Wrong-Horse9!');
    await page.getByRole('button', { name: 'Send the confirmation link' }).click();
    await page.locator('#email-password-error').filter({ hasText: 'Wrong password.' }).waitFor();
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Send the confirmation link' }).click();
    await message()
      .filter({ hasText: `We sent a link to ${newEmail}.` })
      .waitFor();

    await page.goto(await emailedLink(newEmail, 'confirm-email-change'));
    await message().filter({ hasText: 'Your email address is changed.' }).waitFor();
    await checkPage('confirm-email-change');
    email = newEmail;
    // A new document: the session comes back from the cookie.
    await page.goto(`${site}/account/data`);
    await page.locator('#current-email').filter({ hasText: newEmail }).waitFor();
  });

  it('requests the deletion (signed out, told how to cancel), cancels it from the email, signs in again', {
    timeout: 120_000,
  }, async () => {
    const deletion = page.getByRole('region', { name: 'Delete your account' });
    await deletion.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await deletion.getByLabel(/^Code from your authenticator app, or a backup code \(when/).fill(backupCodes[3]!);
    await deletion.getByRole('button', { name: 'Delete my account' }).click();
    await page.locator('#delete-understood-error').filter({ hasText: 'Tick the box to confirm.' }).waitFor();
    await deletion.getByLabel(/^I understand that my account and its data are erased after 7 days/).check();
    await deletion.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL('**/account/sign-in');
    await message()
      .filter({ hasText: /^Your account will be deleted on .*We emailed you a link that cancels/ })
      .waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).isHidden()).toBe(true);
    // Signed out for real: a reload finds no session, and a sign-in is refused while it is pending.
    await page.goto(`${site}/account/`);
    await page.waitForURL('**/account/sign-in');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await message().filter({ hasText: 'This account is being deleted.' }).waitFor();

    const cancel = await emailedLink(email, 'cancel-account-deletion');
    await page.goto(cancel);
    await checkPage('cancel-account-deletion');
    await page.getByRole('button', { name: 'Keep my account' }).click();
    await message().filter({ hasText: 'The deletion is cancelled: your account is kept.' }).waitFor();
    // The link works once.
    await page.goto(cancel);
    await page.getByRole('button', { name: 'Keep my account' }).click();
    await message().filter({ hasText: 'This link is not valid any more' }).waitFor();

    await page.goto(`${site}/account/sign-in`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL((url) => url.pathname === '/account/');
    await page.locator('[data-field="email"]').filter({ hasText: email }).waitFor();
  });

  it('removes the passkey, and signing out ends the session in every tab of this browser', {
    timeout: 60_000,
  }, async () => {
    await navTo('Security');
    await page.getByRole('button', { name: 'Remove Work laptop' }).click();
    await message().filter({ hasText: '“Work laptop” is removed.' }).waitFor();
    await page.locator('#passkey-list').filter({ hasText: 'No passkey yet.' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/account/sign-in');
    expect((await context.cookies()).map((cookie) => cookie.name)).not.toContain('__Host-refresh_token');
    await page.goto(`${site}/account/sessions`);
    await page.waitForURL('**/account/sign-in?next=%2Faccount%2Fsessions');
    await message().filter({ hasText: 'Sign in to see this page.' }).waitFor();
  });
});

describe('the email-link pages in Chromium', () => {
  beforeAll(() => context.clearCookies()); // the language chosen above, if a test stopped in French
  it('forgot password → emailed link → new password → sign in with it', { timeout: 120_000 }, async () => {
    const email = `reset.${Date.now()}@example.com`;
    expect(
      (
        await api('POST', 'register/', {
          email,
          username: `reset_${Date.now()}`,
          password: PASSWORD,
          password_confirm: PASSWORD,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api('POST', 'verify-email/', {
          token: new URL(await emailedLink(email, 'verify-email')).searchParams.get('token'),
        })
      ).status,
    ).toBe(200);

    await page.goto(`${site}/account/forgot-password`);
    await checkPage('forgot-password');
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await message().filter({ hasText: 'a link to choose a new password is on its way' }).waitFor();

    await page.goto(await emailedLink(email, 'reset-password'));
    await checkPage('reset-password');
    const NEW_PASSWORD = 'Another-Secret8?';
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm the new password').fill('Not-The-Same8?');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await page.locator('#new-password-confirm-error').filter({ hasText: /./ }).waitFor();
    expect(await page.getByLabel('Confirm the new password').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Confirm the new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await message().filter({ hasText: 'Your password is changed' }).waitFor();

    await page.getByRole('link', { name: 'Go to sign-in' }).click();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/account/');
  });

  it('signs in with GitHub as a new account, straight to the overview', { timeout: 60_000 }, async () => {
    const email = `octonew.${Date.now()}@example.com`;
    github.signInAs({ id: Date.now(), login: 'octo-newcomer', email });
    await page.goto(`${site}/account/sign-in`);
    await page.getByRole('button', { name: 'Continue with GitHub' }).click();
    await page.waitForURL((url) => url.pathname === '/account/');
    await page
      .locator('[data-field="email"]')
      .filter({ hasText: `${email} verified` })
      .waitFor();
    expect(await page.locator('[data-field="username"]').textContent()).toMatch(/^octo-newcomer/);
  });

  it('"this wasn\'t me" deletes an account someone else registered', { timeout: 60_000 }, async () => {
    const email = `victim.${Date.now()}@example.com`;
    expect(
      (
        await api('POST', 'register/', {
          email,
          username: `victim_${Date.now()}`,
          password: PASSWORD,
          password_confirm: PASSWORD,
        })
      ).status,
    ).toBe(201);
    await page.goto(await emailedLink(email, 'cancel-registration'));
    await checkPage('cancel-registration');
    await page.getByRole('button', { name: 'Delete this account' }).click();
    await message().filter({ hasText: 'The account is deleted.' }).waitFor();
    // The same token no longer verifies anything.
    await page.goto(await emailedLink(email, 'verify-email'));
    await message().filter({ hasText: 'This link is not valid any more' }).waitFor();
  });

  it('the email-change and deletion-cancel pages say so when their link is not valid', {
    timeout: 60_000,
  }, async () => {
    await page.goto(`${site}/account/confirm-email-change?token=${'x'.repeat(43)}`);
    await message().filter({ hasText: 'This link is not valid any more' }).waitFor();
    expect(await page.getByRole('link', { name: 'Go to sign-in' }).isVisible()).toBe(true);
    await checkPage('confirm-email-change-invalid');
    await page.goto(`${site}/account/cancel-account-deletion`);
    await message().filter({ hasText: 'This link is not valid any more' }).waitFor();
    expect(await page.getByRole('button', { name: 'Keep my account' }).isHidden()).toBe(true);
  });

  it('the other pages pass axe too: provider-link revocation, OAuth callback, not found', {
    timeout: 60_000,
  }, async () => {
    await page.goto(`${site}/account/revoke-provider-link?token=${'x'.repeat(43)}`);
    await checkPage('revoke-provider-link');
    await page.getByRole('button', { name: 'Remove it and sign out everywhere' }).click();
    await message().filter({ hasText: 'This link is not valid any more' }).waitFor();

    await page.goto(`${site}/account/oauth/callback?code=abc&state=forged`);
    await message().filter({ hasText: 'This sign-in was not started from this window' }).waitFor();
    expect(new URL(page.url()).search).toBe(''); // the code is kept out of the history
    await checkPage('oauth-callback');

    const missing = await page.goto(`${site}/account/no-such-page`);
    expect(missing?.status()).toBe(404);
    // The browser reports the page's own 404 status as an error: the one expected here.
    expect(pageErrors.splice(0)).toEqual([expect.stringContaining('404')]);
    await checkPage('not-found');
  });
});
