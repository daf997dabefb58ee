import { describe, expect, it } from 'vitest';
import { PASSWORD, useConsoleHarness } from './harness';

/**
 * The pages reached from an email or from outside the console (password reset, GitHub sign-up,
 * "this wasn't me", invalid links, OAuth callback, not found), in real Chromium against `npm start`:
 * each test makes its own account, so they need nothing from the walk. Every page is checked with
 * axe-core and for CSP violations, and photographed. Needs Debian's `chromium` package.
 */

describe('the email-link pages in Chromium', () => {
  const h = useConsoleHarness();
  it('forgot password → emailed link → new password → sign in with it', { timeout: 120_000 }, async () => {
    const email = `reset.${Date.now()}@example.com`;
    expect(
      (
        await h.api('POST', 'register/', {
          email,
          username: `reset_${Date.now()}`,
          password: PASSWORD,
          password_confirm: PASSWORD,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await h.api('POST', 'verify-email/', {
          token: new URL(await h.emailedLink(email, 'verify-email')).searchParams.get('token'),
        })
      ).status,
    ).toBe(200);

    await h.open(`${h.site}/account/forgot-password`);
    await h.checkPage('forgot-password');
    await h.page.getByLabel('Email address').fill(email);
    await h.page.getByRole('button', { name: 'Send the link' }).click();
    await h.message().filter({ hasText: 'a link to choose a new password is on its way' }).waitFor();

    await h.open(await h.emailedLink(email, 'reset-password'));
    await h.checkPage('reset-password');
    const NEW_PASSWORD = 'Another-Secret8?';
    await h.page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await h.page.getByLabel('Confirm the new password').fill('Not-The-Same8?');
    await h.page.getByRole('button', { name: 'Save the new password' }).click();
    await h.page.locator('#new-password-confirm-error').filter({ hasText: /./ }).waitFor();
    expect(await h.page.getByLabel('Confirm the new password').getAttribute('aria-invalid')).toBe('true');
    await h.page.getByLabel('Confirm the new password').fill(NEW_PASSWORD);
    await h.page.getByRole('button', { name: 'Save the new password' }).click();
    await h.message().filter({ hasText: 'Your password is changed' }).waitFor();

    await h.page.getByRole('link', { name: 'Go to sign-in' }).click();
    await h.page.getByLabel('Email address').fill(email);
    await h.page.getByLabel('Password').fill(NEW_PASSWORD);
    await h.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await h.shown((url) => url.pathname === '/account/');
  });

  it('signs in with GitHub as a new account, straight to the overview', { timeout: 60_000 }, async () => {
    const email = `octonew.${Date.now()}@example.com`;
    h.github.signInAs({ id: Date.now(), login: 'octo-newcomer', email });
    await h.open(`${h.site}/account/sign-in`);
    await h.page.getByRole('button', { name: 'Continue with GitHub' }).click();
    await h.shown((url) => url.pathname === '/account/');
    await h.page
      .locator('[data-field="email"]')
      .filter({ hasText: `${email} verified` })
      .waitFor();
    expect(await h.page.locator('[data-field="username"]').textContent()).toMatch(/^octo-newcomer/);
  });

  it('"this wasn\'t me" deletes an account someone else registered', { timeout: 60_000 }, async () => {
    const email = `victim.${Date.now()}@example.com`;
    expect(
      (
        await h.api('POST', 'register/', {
          email,
          username: `victim_${Date.now()}`,
          password: PASSWORD,
          password_confirm: PASSWORD,
        })
      ).status,
    ).toBe(201);
    await h.open(await h.emailedLink(email, 'cancel-registration'));
    await h.checkPage('cancel-registration');
    await h.page.getByRole('button', { name: 'Delete this account' }).click();
    await h.message().filter({ hasText: 'The account is deleted.' }).waitFor();
    // The same token no longer verifies anything.
    await h.open(await h.emailedLink(email, 'verify-email'));
    await h.message().filter({ hasText: 'This link is not valid any more' }).waitFor();
  });

  it('the email-change and deletion-cancel pages say so when their link is not valid', {
    timeout: 60_000,
  }, async () => {
    await h.open(`${h.site}/account/confirm-email-change?token=${'x'.repeat(43)}`);
    await h.message().filter({ hasText: 'This link is not valid any more' }).waitFor();
    expect(await h.page.getByRole('link', { name: 'Go to sign-in' }).isVisible()).toBe(true);
    await h.checkPage('confirm-email-change-invalid');
    await h.open(`${h.site}/account/cancel-account-deletion`);
    await h.message().filter({ hasText: 'This link is not valid any more' }).waitFor();
    expect(await h.page.getByRole('button', { name: 'Keep my account' }).isHidden()).toBe(true);
  });

  it('the other pages pass axe too: provider-link revocation, OAuth callback, not found', {
    timeout: 60_000,
  }, async () => {
    await h.open(`${h.site}/account/revoke-provider-link?token=${'x'.repeat(43)}`);
    await h.checkPage('revoke-provider-link');
    await h.page.getByRole('button', { name: 'Remove it and sign out everywhere' }).click();
    await h.message().filter({ hasText: 'This link is not valid any more' }).waitFor();

    await h.open(`${h.site}/account/oauth/callback?code=abc&state=forged`);
    await h.message().filter({ hasText: 'This sign-in was not started from this window' }).waitFor();
    expect(new URL(h.page.url()).search).toBe(''); // the code is kept out of the history
    await h.checkPage('oauth-callback');

    const missing = await h.open(`${h.site}/account/no-such-page`);
    expect(missing?.status()).toBe(404);
    // The browser reports the page's own 404 status as an error: the one expected here.
    expect(h.pageErrors.splice(0)).toEqual([expect.stringContaining('404')]);
    await h.checkPage('not-found');
  });
});
