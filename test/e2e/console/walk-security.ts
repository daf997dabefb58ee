import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { expect, it } from 'vitest';
import { type ConsoleHarness, PASSWORD, SCREENSHOTS } from './harness';

/** What the walk carries from one test to the next. */
export interface Walk {
  stamp: number;
  email: string;
  username: string;
  secret: string;
  backupCodes: string[];
}

export function newWalk(): Walk {
  const stamp = Date.now();
  return { stamp, email: `console.${stamp}@example.com`, username: `console_${stamp}`, secret: '', backupCodes: [] };
}

/**
 * The walk's first half: register, follow the emailed link, sign in, turn MFA on (reading the key
 * from the page), sign out, sign in with the second step, confirm it is you, passkeys, GitHub.
 * Registered inside the walk's describe: each test starts where the previous one stopped.
 */
export function signUpAndSecuritySteps(h: ConsoleHarness, walk: Walk) {
  it('registers, and verifies the address through the emailed link', { timeout: 120_000 }, async () => {
    await h.open(`${h.site}/account/register`, { waitUntil: 'networkidle' });
    await expect(h.heading().textContent()).resolves.toBe('Create an account');
    // Fast on a phone: the whole first page (document, stylesheet, modules) weighs well under 100 KB.
    const transferred = await h.page.evaluate(() =>
      [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].reduce(
        (sum, entry) => sum + (entry as PerformanceResourceTiming).transferSize,
        0,
      ),
    );
    expect(transferred).toBeGreaterThan(5_000);
    expect(transferred).toBeLessThan(100_000);
    // Kept with the screenshots, for the README's figure.
    writeFileSync(path.join(SCREENSHOTS, '..', 'first-page-bytes.txt'), `${transferred}\n`);
    await h.checkPage('register');
    // Keyboard: the first Tab reaches the skip link, which moves on to the page's content.
    await h.page.keyboard.press('Tab');
    expect(await h.page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await h.page.keyboard.press('Enter');
    expect(await h.page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(new URL(h.page.url()).pathname).toBe('/account/register');
    await h.page.getByLabel('Email address').fill(walk.email);
    await h.page.getByLabel('Username').fill(walk.username);
    await h.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await h.page.getByLabel('Confirm the new password').fill(PASSWORD);
    await h.page.getByRole('button', { name: 'Create my account' }).click();
    await h
      .message()
      .filter({ hasText: `we sent a link to ${walk.email}` })
      .waitFor();
    expect(await h.page.locator('#register-form').isHidden()).toBe(true);

    await h.open(await h.emailedLink(walk.email, 'verify-email'));
    await h.message().filter({ hasText: 'Your email address is verified' }).waitFor();
    await h.checkPage('verify-email');
  });

  it('signs in, sees the overview and its recommended next step', { timeout: 60_000 }, async () => {
    await h.page.getByRole('link', { name: 'Go to sign-in' }).click();
    await h.shown('**/account/sign-in');
    await h.checkPage('sign-in');
    // With the keyboard alone: the focus is on the new page's heading, the form comes next.
    await h.page.keyboard.press('Tab');
    expect(await h.page.evaluate(() => document.activeElement?.id)).toBe('email');
    await h.page.keyboard.type(walk.email);
    await h.page.keyboard.press('Tab');
    await h.page.keyboard.type('Wrong-Horse9!');
    await h.page.keyboard.press('Enter');
    await h.message().filter({ hasText: 'Wrong email address or password.' }).waitFor();

    await h.page.getByLabel('Password').fill(PASSWORD);
    await h.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await h.shown((url) => url.pathname === '/account/');
    await h.page.locator('[data-field="username"]').filter({ hasText: walk.username }).waitFor();
    expect(await h.page.locator('[data-field="email"]').textContent()).toBe(`${walk.email} verified`);
    expect(await h.page.locator('[data-field="role"]').textContent()).toBe('Student');
    expect(await h.page.locator('[data-field="mfa"]').textContent()).toBe('Off');
    expect(await h.page.locator('[data-field="passkeys"]').textContent()).toBe('None');
    await h.page.locator('#next-step-text').filter({ hasText: 'Add a passkey' }).waitFor();
    expect(await h.page.getByRole('link', { name: 'Add a passkey' }).getAttribute('href')).toBe(
      '/account/security#passkeys-section',
    );
    await h.checkPage('overview');
    // The tokens are in memory only.
    expect(await h.page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
  });

  it('turns MFA on with the key read from the page, and keeps the backup codes', { timeout: 60_000 }, async () => {
    await h.navTo('Security');
    await h.shown('**/account/security');
    await h.page.locator('#mfa-status').filter({ hasText: 'Off' }).waitFor();
    await h.checkPage('security');

    // A sign-in under 10 minutes old confirms the change by itself: no password asked.
    await h.page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await h.page
      .locator('#mfa-secret')
      .filter({ hasText: /^[A-Z2-7]{32}$/ })
      .waitFor();
    walk.secret = (await h.page.locator('#mfa-secret').textContent())!;
    const qr = h.page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(await qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0)).toBe(true);
    walk.backupCodes = await h.page.locator('#backup-code-list li').allTextContents();
    expect(walk.backupCodes).toHaveLength(8);
    for (const code of walk.backupCodes) expect(code).toMatch(/^\d{4}-\d{4}$/);
    const download = h.page.waitForEvent('download');
    await h.page.getByRole('button', { name: 'Download' }).click();
    const file = await (await download).path();
    const saved = readFileSync(file, 'utf8');
    expect(saved).toContain(`Backup codes for ${walk.email}`);
    for (const code of walk.backupCodes) expect(saved).toContain(code);
    await h.checkPage('security-mfa-setup');

    await h.page.getByLabel('Code shown by the app').fill('000000');
    await h.page.getByRole('button', { name: 'Confirm and turn on' }).click();
    await h.page.locator('#mfa-verify-code-error').filter({ hasText: 'That code is not valid' }).waitFor();
    const totp = new TOTP({ secret: Secret.fromBase32(walk.secret) });
    await h.page.getByLabel('Code shown by the app').fill(totp.generate());
    await h.page.getByRole('button', { name: 'Confirm and turn on' }).click();
    await h.message().filter({ hasText: 'Two-step verification is on' }).waitFor();
    expect(await h.page.locator('#mfa-status').textContent()).toBe('On');
    expect(await h.page.locator('#backup-codes').isHidden()).toBe(true);
  });

  it('signs out, and signs in again through the MFA step', { timeout: 60_000 }, async () => {
    await h.page.getByRole('button', { name: 'Sign out' }).click();
    await h.shown('**/account/sign-in');
    await h.message().filter({ hasText: 'You are signed out.' }).waitFor();
    expect(await h.page.getByRole('button', { name: 'Sign out' }).isHidden()).toBe(true);

    await h.page.getByLabel('Email address').fill(walk.email);
    await h.page.getByLabel('Password').fill(PASSWORD);
    await h.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await h.page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await h.checkPage('sign-in-mfa');
    const code = h.page.getByLabel('Code from your authenticator app, or a backup code');
    await code.fill('123456');
    await h.page.getByRole('button', { name: 'Verify' }).click();
    await h.page.locator('#mfa-code-error').filter({ hasText: 'That code is not valid' }).waitFor();
    expect(await code.getAttribute('aria-invalid')).toBe('true');
    // The code of the next time step: the current one was spent turning MFA on (replay refused).
    const totp = new TOTP({ secret: Secret.fromBase32(walk.secret) });
    await code.fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await h.page.getByRole('button', { name: 'Verify' }).click();
    await h.shown((url) => url.pathname === '/account/');
    await h.page.locator('[data-field="mfa"]').filter({ hasText: 'On' }).waitFor();
    // Still no passkey: that stays the recommendation.
    await h.page.locator('#next-step-text').filter({ hasText: 'Add a passkey' }).waitFor();
  });

  it('asks for the password again for a change once the sign-in is 10 minutes old', { timeout: 90_000 }, async () => {
    await h.ageSignIns(walk.email);
    await h.navTo('Security');
    await h.page.locator('#mfa-status').filter({ hasText: 'On' }).waitFor();
    await h.page.getByRole('button', { name: 'Make new backup codes' }).click();
    const dialog = h.page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor();
    // Escape closes it, and nothing changes.
    await h.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await h.page.locator('#backup-codes').isHidden()).toBe(true);

    await h.page.getByRole('button', { name: 'Make new backup codes' }).click();
    await dialog.waitFor();
    expect(await dialog.getByLabel('Password').evaluate((input) => input === document.activeElement)).toBe(true);
    await h.checkPage('security-reauth');
    await dialog.getByLabel('Password').fill('Wrong-Horse9!');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Wrong password.' }).waitFor();
    await dialog.getByLabel('Password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await h.message().filter({ hasText: 'New backup codes are ready' }).waitFor();
    expect(await dialog.isHidden()).toBe(true);
    const fresh = await h.page.locator('#backup-code-list li').allTextContents();
    expect(fresh).toHaveLength(8);
    expect(fresh.filter((code) => walk.backupCodes.includes(code))).toEqual([]);
    walk.backupCodes = fresh;
  });

  it('adds a passkey with the virtual authenticator (confirming it is you), renames it, signs in with it', {
    timeout: 90_000,
  }, async () => {
    // Chromium's virtual authenticator: a platform authenticator whose fingerprint check passes.
    const cdp = await h.context.newCDPSession(h.page);
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
    await h.ageSignIns(walk.email);
    await h.page.locator('#passkey-list').filter({ hasText: 'No passkey yet.' }).waitFor();
    await h.page.getByLabel('Name of the new passkey (optional)').fill('Test laptop');
    await h.page.getByRole('button', { name: 'Add a passkey' }).click();
    // The sign-in is 11 minutes old (previous test): the page asks for the password first.
    const dialog = h.page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor();
    await dialog.getByLabel('Password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await h.message().filter({ hasText: '“Test laptop” is added: you can sign in with it now.' }).waitFor();
    const passkeys = h.page.locator('#passkey-list > li.passkey');
    await expect.poll(() => passkeys.count()).toBe(1);
    expect(await passkeys.locator('h3').textContent()).toBe('Test laptop');
    expect(await passkeys.locator('.hint').textContent()).toMatch(/^Added .* · never used$/);
    const held = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    await h.checkPage('security-passkeys');

    // The same authenticator again: the API excludes the passkeys the account has.
    await h.page.getByRole('button', { name: 'Add a passkey' }).click();
    await h.message().filter({ hasText: 'This device already holds a passkey for your account.' }).waitFor();

    await h.page.getByRole('button', { name: 'Rename Test laptop' }).click();
    await h.page.getByLabel('New name for “Test laptop”').fill('Work laptop');
    await h.page.getByRole('button', { name: 'Save' }).click();
    await h.message().filter({ hasText: 'The passkey is now called “Work laptop”.' }).waitFor();
    await passkeys.locator('h3').filter({ hasText: 'Work laptop' }).waitFor();

    await h.navTo('Overview');
    await h.page.locator('[data-field="passkeys"]').filter({ hasText: '1 passkey' }).waitFor();
    await h.page.locator('#next-step-text').filter({ hasText: 'check the devices' }).waitFor();
    await h.checkPage('overview-passkey');

    await h.page.getByRole('button', { name: 'Sign out' }).click();
    await h.shown('**/account/sign-in');
    await h.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    // No email, no password, no second step: the passkey is both factors.
    await h.shown((url) => url.pathname === '/account/');
    await h.page.locator('[data-field="username"]').filter({ hasText: walk.username }).waitFor();
    await h.navTo('Security');
    await passkeys
      .locator('.hint')
      .filter({ hasText: /· last used / })
      .waitFor();
  });

  it('links GitHub in a second window, signs in with it through the MFA step, and unlinks it', {
    timeout: 90_000,
  }, async () => {
    h.github.signInAs({ id: 4242, login: 'octo-console', email: `octo.${walk.stamp}@example.com` });
    const popup = h.page.waitForEvent('popup');
    await h.page.getByRole('button', { name: 'Link GitHub', exact: true }).click();
    await h.message().filter({ hasText: 'GitHub is linked.' }).waitFor();
    const authorize = h.github.authorizations.at(-1)!;
    expect(authorize.get('redirect_uri')).toBe(`${h.site}/account/oauth/callback`);
    expect(authorize.get('state')).toMatch(/^link\.[\w-]{43}$/);
    expect(authorize.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.get('code_challenge_method')).toBe('S256');
    // The second window handed the code back and closed itself.
    await expect.poll(async () => (await popup).isClosed()).toBe(true);

    await h.page.getByRole('button', { name: 'Sign out' }).click();
    await h.shown('**/account/sign-in');
    await h.checkPage('sign-in-with-providers');
    await h.page.getByRole('button', { name: 'Continue with GitHub' }).click();
    // Back from GitHub: the account has MFA, so the sign-in page asks for the second step.
    await h.page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    expect(new URL(h.page.url()).pathname).toBe('/account/sign-in');
    await h.page.getByLabel('Code from your authenticator app, or a backup code').fill(walk.backupCodes[2]!);
    await h.page.getByRole('button', { name: 'Verify' }).click();
    await h.shown((url) => url.pathname === '/account/');
    await h.page.locator('[data-field="username"]').filter({ hasText: walk.username }).waitFor();
    expect(await h.page.evaluate(() => sessionStorage.length)).toBe(0); // state and verifier used up

    await h.navTo('Security');
    await h.page.getByRole('button', { name: 'Unlink GitHub' }).click();
    await h.message().filter({ hasText: 'GitHub is unlinked.' }).waitFor();
    await h.page.getByRole('button', { name: 'Unlink GitHub' }).click();
    await h.message().filter({ hasText: 'GitHub is not linked to your account.' }).waitFor();
  });
}
