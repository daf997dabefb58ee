import { describe } from 'vitest';
import { useConsoleHarness } from './harness';
import { accountPagesSteps } from './walk-account';
import { newWalk, signUpAndSecuritySteps } from './walk-security';

/**
 * The account console in real Chromium against `npm start`, walked as a person would: register,
 * follow the emailed link, sign in, turn MFA on (reading the key from the page), sign out, sign in
 * with the second step, sessions, activity. Every page is checked with axe-core (no serious or
 * critical violation) and for CSP violations, and photographed at desktop and phone widths into
 * test-results/screenshots/. Needs Debian's `chromium` package.
 *
 * One walk, one account, one browser: the tests depend on each other, in this order. Their bodies
 * live in two files of steps so that each stays readable.
 */

describe('the account console in Chromium', () => {
  const h = useConsoleHarness();
  const walk = newWalk();
  signUpAndSecuritySteps(h, walk);
  accountPagesSteps(h, walk);
});
