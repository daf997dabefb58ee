import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { type ConsoleHarness, PASSWORD } from './harness';
import type { Walk } from './walk-security';

/**
 * The walk's second half, on the account set up by the first: sessions, activity, French, the
 * refresh cookie, Your data, email change, deletion and its cancellation, signing out everywhere.
 * Registered inside the walk's describe: each test starts where the previous one stopped.
 */
export function accountPagesSteps(h: ConsoleHarness, walk: Walk) {
  it('marks this session, and signs out another one', { timeout: 60_000 }, async () => {
    // A second session, from a phone, through the public API.
    const phone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1';
    const challenge = await h.api('POST', 'login/', { email: walk.email, password: PASSWORD }, undefined, phone);
    expect(challenge.status).toBe(428);
    const other = await h.api(
      'POST',
      'login/mfa/',
      { mfa_token: challenge.body.mfa_token, mfa_code: walk.backupCodes[0] },
      undefined,
      phone,
    );
    expect(other.status).toBe(200);

    await h.navTo('Sessions');
    await h.shown('**/account/sessions');
    const sessions = h.page.locator('#session-list > li');
    await expect.poll(() => sessions.count()).toBe(2);
    const current = h.page.locator('#session-list > li.current');
    expect(await current.count()).toBe(1);
    expect(await current.getByText('This device').count()).toBe(1);
    expect(await current.getByRole('button').count()).toBe(0);
    const phoneSession = h.page.locator('#session-list > li:not(.current)');
    expect(await phoneSession.locator('h2').textContent()).toContain('Mobile Safari 17 on iOS 17.0 (Mobile)');
    await h.checkPage('sessions');

    await phoneSession.getByRole('button', { name: /^Sign out the session of Mobile Safari/ }).click();
    await h.message().filter({ hasText: 'That session is signed out.' }).waitFor();
    await expect.poll(() => sessions.count()).toBe(1);
    expect(await h.page.getByRole('button', { name: 'Sign out everywhere else' }).isDisabled()).toBe(true);
    expect((await h.api('GET', 'me/', undefined, other.body.access_token)).status).toBe(401);
  });

  it('shows today’s attempts in the activity chart and the history table', { timeout: 60_000 }, async () => {
    // What the API counts, asked before the page loads (that sign-in is counted too).
    const signedIn = await h.api('POST', 'login/mfa/', {
      email: walk.email,
      password: PASSWORD,
      mfa_code: walk.backupCodes[1],
    });
    const statistics = (await h.api('GET', 'login-statistics/?days=30', undefined, signedIn.body.access_token)).body;
    await h.api('POST', 'logout/', undefined, signedIn.body.access_token);
    const shown = { ok: statistics.successful_logins, failed: statistics.failed_logins };
    await h.navTo('Sign-in activity');
    await h.shown('**/account/activity');
    const total = shown.ok + shown.failed;
    await h.page
      .locator('#per-day-caption')
      .filter({ hasText: `Attempts over the last 30 days: ${total} (${shown.ok} successful, ${shown.failed} failed).` })
      .waitFor();
    expect(shown.failed).toBeGreaterThanOrEqual(2); // the wrong password and the wrong MFA code
    expect(await h.page.getByRole('img', { name: /^Attempts over the last 30 days/ }).count()).toBe(1);
    expect(await h.page.locator('svg.per-day rect.ok').count()).toBe(1); // all of it today
    expect(await h.page.locator('svg.per-day rect.failed').count()).toBe(1);
    const today = new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(new Date());
    const todayRow = h.page.locator('#per-day-figure table tbody tr');
    expect(await todayRow.allTextContents()).toEqual([`${today}${shown.ok}${shown.failed}`]);
    expect(await h.page.getByRole('img', { name: /^Countries: / }).count()).toBe(1);
    expect(await h.page.getByRole('img', { name: /^Browsers: .*Mobile Safari \d/ }).count()).toBe(1);

    const rows = h.page.locator('#history-table tbody tr');
    await expect.poll(() => rows.count()).toBe(total);
    expect(await rows.filter({ hasText: 'Failed (wrong password)' }).count()).toBe(1);
    expect(await rows.filter({ hasText: 'Failed (wrong two-step code)' }).count()).toBe(1);
    await h.checkPage('activity');

    await h.page.getByLabel('Successful sign-ins only').check();
    await expect.poll(() => rows.count()).toBe(shown.ok);
    expect(await rows.filter({ hasText: 'Failed' }).count()).toBe(0);
  });

  it('switches to French without losing the session', { timeout: 60_000 }, async () => {
    await h.page.getByRole('link', { name: 'Français' }).click();
    await h.shown((url) => url.pathname === '/account/activity' && url.search === '');
    await h.heading().filter({ hasText: 'Activité de connexion' }).waitFor();
    expect(await h.page.getAttribute('html', 'lang')).toBe('fr');
    await h.page
      .locator('#per-day-caption')
      .filter({ hasText: /Tentatives sur les 30 derniers jours/ })
      .waitFor();
    await h.checkPage('activity-fr');
    await h.navTo('Vue d’ensemble', 'Pages du compte');
    await h.page.locator('[data-field="mfa"]').filter({ hasText: 'Activée' }).waitFor();
    await h.page.getByRole('link', { name: 'English' }).click();
    await h.heading().filter({ hasText: 'Your account' }).waitFor();
  });

  it('stays signed in across a reload and in a new tab (the HttpOnly refresh cookie, no setting)', {
    timeout: 60_000,
  }, async () => {
    await h.navTo('Sessions');
    await h.shown('**/account/sessions');
    const cookies = await h.context.cookies();
    const refresh = cookies.find((cookie) => cookie.name === '__Host-refresh_token');
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    await h.page.reload();
    await h.ready();
    await h.page.locator('#session-list > li.current').getByText('This device').waitFor();
    expect(new URL(h.page.url()).pathname).toBe('/account/sessions');
    // Still nothing in storage: the access token is in memory, the refresh token in the cookie.
    expect(
      await h.page.evaluate(() => localStorage.length + sessionStorage.length + document.cookie.length),
    ).toBeLessThan(
      30, // at most the console's language cookie, never a token
    );
    expect(await h.page.evaluate(() => document.cookie)).not.toContain('refresh');

    const tab = await h.context.newPage();
    try {
      await tab.goto(`${h.site}/account/`);
      await tab.locator('[data-field="username"]').filter({ hasText: walk.username }).waitFor({ timeout: 30_000 });
    } finally {
      await tab.close();
    }
  });

  it('Your data: changes the username and the language, and downloads the data', { timeout: 90_000 }, async () => {
    await h.navTo('Your data');
    await h.shown('**/account/data');
    await h.page.locator('#current-email').filter({ hasText: walk.email }).waitFor();
    expect(await h.page.getByRole('textbox', { name: 'Username', exact: true }).inputValue()).toBe(walk.username);
    expect(await h.page.getByRole('button', { name: 'Delete my account' }).isVisible()).toBe(true);
    await h.page.getByText('Your account is deleted 7 days after you ask.').waitFor();
    await h.checkPage('data');

    walk.username = `${walk.username}_x`;
    await h.page.getByRole('textbox', { name: 'Username', exact: true }).fill(walk.username);
    await h.page.getByRole('button', { name: 'Save' }).click();
    await h.message().filter({ hasText: 'Saved.' }).waitFor();
    await h.page.getByLabel('Language of this console and of our emails').selectOption('fr');
    await h.page.getByRole('button', { name: 'Save' }).click();
    // The console follows the account's new language.
    await h.heading().filter({ hasText: 'Vos données' }).waitFor();
    await h.message().filter({ hasText: 'Enregistré.' }).waitFor();
    expect(await h.page.getAttribute('html', 'lang')).toBe('fr');
    await h.checkPage('data-fr');
    await h.page.getByLabel('Langue de cette console et de nos emails').selectOption('en');
    await h.page.getByRole('button', { name: 'Enregistrer' }).click();
    await h.heading().filter({ hasText: 'Your data' }).waitFor();
    await expect
      .poll(() => h.page.getByRole('textbox', { name: 'Username', exact: true }).inputValue())
      .toBe(walk.username);

    const download = h.page.waitForEvent('download');
    await h.page.getByRole('button', { name: 'Download my data' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^account-export-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = JSON.parse(readFileSync(await file.path(), 'utf8'));
    expect(exported).toMatchObject({
      format: 'auth-service/account-export',
      profile: { email: walk.email, username: walk.username },
    });
    expect(exported.login_history.length).toBeGreaterThan(3);
    await h
      .message()
      .filter({ hasText: `Your data is downloaded (${file.suggestedFilename()}).` })
      .waitFor();
  });

  it('changes the email address through the link sent to the new one', { timeout: 90_000 }, async () => {
    const newEmail = `moved.${walk.stamp}@example.com`;
    await h.page.getByLabel('New email address').fill(newEmail);
    await h.page.getByLabel('Current password').fill('Wrong-Horse9!');
    await h.page.getByRole('button', { name: 'Send the confirmation link' }).click();
    await h.page.locator('#email-password-error').filter({ hasText: 'Wrong password.' }).waitFor();
    await h.page.getByLabel('Current password').fill(PASSWORD);
    await h.page.getByRole('button', { name: 'Send the confirmation link' }).click();
    await h
      .message()
      .filter({ hasText: `We sent a link to ${newEmail}.` })
      .waitFor();

    await h.open(await h.emailedLink(newEmail, 'confirm-email-change'));
    await h.message().filter({ hasText: 'Your email address is changed.' }).waitFor();
    await h.checkPage('confirm-email-change');
    walk.email = newEmail;
    // A new document: the session comes back from the cookie.
    await h.open(`${h.site}/account/data`);
    await h.page.locator('#current-email').filter({ hasText: newEmail }).waitFor();
  });

  it('requests the deletion (signed out, told how to cancel), cancels it from the email, signs in again', {
    timeout: 120_000,
  }, async () => {
    const deletion = h.page.getByRole('region', { name: 'Delete your account' });
    await deletion.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await deletion.getByLabel(/^Code from your authenticator app, or a backup code \(when/).fill(walk.backupCodes[3]!);
    await deletion.getByRole('button', { name: 'Delete my account' }).click();
    await h.page.locator('#delete-understood-error').filter({ hasText: 'Tick the box to confirm.' }).waitFor();
    await deletion.getByLabel(/^I understand that my account and its data are erased after 7 days/).check();
    await deletion.getByRole('button', { name: 'Delete my account' }).click();
    await h.shown('**/account/sign-in');
    await h
      .message()
      .filter({ hasText: /^Your account will be deleted on .*We emailed you a link that cancels/ })
      .waitFor();
    expect(await h.page.getByRole('button', { name: 'Sign out' }).isHidden()).toBe(true);
    // Signed out for real: a reload finds no session, and a sign-in is refused while it is pending.
    await h.open(`${h.site}/account/`);
    await h.shown('**/account/sign-in');
    await h.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await h.message().filter({ hasText: 'This account is being deleted.' }).waitFor();

    const cancel = await h.emailedLink(walk.email, 'cancel-account-deletion');
    await h.open(cancel);
    await h.checkPage('cancel-account-deletion');
    await h.page.getByRole('button', { name: 'Keep my account' }).click();
    await h.message().filter({ hasText: 'The deletion is cancelled: your account is kept.' }).waitFor();
    // The link works once.
    await h.open(cancel);
    await h.page.getByRole('button', { name: 'Keep my account' }).click();
    await h.message().filter({ hasText: 'This link is not valid any more' }).waitFor();

    await h.open(`${h.site}/account/sign-in`);
    await h.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await h.shown((url) => url.pathname === '/account/');
    await h.page.locator('[data-field="email"]').filter({ hasText: walk.email }).waitFor();
  });

  it('removes the passkey, and signing out ends the session in every tab of this browser', {
    timeout: 60_000,
  }, async () => {
    await h.navTo('Security');
    await h.page.getByRole('button', { name: 'Remove Work laptop' }).click();
    await h.message().filter({ hasText: '“Work laptop” is removed.' }).waitFor();
    await h.page.locator('#passkey-list').filter({ hasText: 'No passkey yet.' }).waitFor();
    await h.page.getByRole('button', { name: 'Sign out' }).click();
    await h.shown('**/account/sign-in');
    expect((await h.context.cookies()).map((cookie) => cookie.name)).not.toContain('__Host-refresh_token');
    await h.open(`${h.site}/account/sessions`);
    await h.shown('**/account/sign-in?next=%2Faccount%2Fsessions');
    await h.message().filter({ hasText: 'Sign in to see this page.' }).waitFor();
  });
}
