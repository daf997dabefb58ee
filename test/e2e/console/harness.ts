import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchChromium } from '../chromium';
import { type DevServer, localFilesOf, startDevServer } from '../dev-server';
import { type FakeGitHub, startFakeGitHub } from '../fake-github';

/**
 * What the account console's browser tests share: `npm start` with a fake GitHub, one Chromium page
 * watched for script errors and CSP violations, and the checks every page gets: axe-core (no serious
 * or critical violation), no page error, screenshots at desktop and phone widths into
 * test-results/screenshots/. Needs Debian's `chromium` package.
 */

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
export const PASSWORD = 'Correct-Horse9!';
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');
const ROOT = path.resolve(import.meta.dirname, '../../..');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface ConsoleHarness {
  server: DevServer;
  /** Where the browser opens the console: the origin of APP_URL. */
  site: string;
  github: FakeGitHub;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Everything the pages logged as errors, CSP violations included. */
  pageErrors: string[];
  stop(): Promise<void>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  emailedLink(email: string, pathName: string): Promise<string>;
  api(
    method: string,
    route: string,
    body?: unknown,
    token?: string,
    userAgent?: string,
  ): Promise<{ status: number; body: any }>;
  checkPage(name: string): Promise<void>;
  ageSignIns(email: string): Promise<void>;
  message(): Locator;
  /** Follows a link of the account navigation (other links may share its words), until its page has started. */
  navTo(name: string, navigation?: string): Promise<void>;
  /**
   * Waits until the page in the document has started (its body is no longer aria-busy): before
   * that its buttons do nothing, so a click would be lost, as a person's would.
   */
  ready(): Promise<void>;
  /** The console page at this address is shown and started (after a click that navigates). */
  shown(url: Parameters<Page['waitForURL']>[0]): Promise<void>;
  /** Opens an address in the page, as a person following a link, and waits until it has started. */
  open(url: string, options?: Parameters<Page['goto']>[1]): ReturnType<Page['goto']>;
  heading(): Locator;
}

/** Starts the server, the fake GitHub and Chromium, and gives the page and the helpers that use them. */
export async function startConsoleHarness(): Promise<ConsoleHarness> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const github = await startFakeGitHub();
  let server: DevServer | undefined;
  let browser: Browser | undefined;
  try {
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
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', acceptDownloads: true });
    // Not subject to the page's CSP (it comes through DevTools), so it can watch for violations.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const pageErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // API refusals (a wrong password's 401, a wrong code's 400) are asserted where they happen.
      const refusal =
        message.text().startsWith('Failed to load resource') && message.location().url.includes('/api/auth/');
      if (!refusal) pageErrors.push(`${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => pageErrors.push(`uncaught: ${error.message}`));
    return harnessOf({ server, github, browser, context, page, pageErrors });
  } catch (error) {
    await browser?.close();
    await server?.stop();
    await github.close();
    throw error;
  }
}

/** Registers the harness's start and stop around the tests of the enclosing describe (or file). */
export function useConsoleHarness(): ConsoleHarness {
  // Filled in by beforeAll: the tests only read it once the harness is up.
  const harness = {} as ConsoleHarness;
  beforeAll(async () => {
    Object.assign(harness, await startConsoleHarness());
  }, 240_000);
  afterAll(() => harness.stop?.());
  return harness;
}

function harnessOf(
  parts: Pick<ConsoleHarness, 'server' | 'github' | 'browser' | 'context' | 'page' | 'pageErrors'>,
): ConsoleHarness {
  const { server, github, browser, page, pageErrors } = parts;

  async function waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = pattern.exec(server.output());
      if (match) return match;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${pattern} not seen in the server output`);
  }

  const ready = () => page.locator('body:not([aria-busy])').waitFor();

  return {
    ...parts,
    site: `http://localhost:${new URL(server.url).port}`,

    async stop() {
      await browser.close();
      await server.stop();
      await github.close();
    },

    waitForOutput,

    /** The link of the last email to `email` whose line starts with `label`. */
    async emailedLink(email, pathName) {
      const escaped = email.replace(/[.+]/g, '\\$&');
      const pattern = new RegExp(
        `To: ${escaped}\\n[\\s\\S]*?(http://localhost:\\d+/account/${pathName}\\?token=[\\w-]+)`,
        'g',
      );
      await waitForOutput(new RegExp(pattern.source));
      const links = [...server.output().matchAll(pattern)];
      return links.at(-1)![1]!;
    },

    async api(method, route, body, token, userAgent) {
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
    },

    /**
     * axe-core on the page as it is (no serious or critical violation), no CSP violation or script
     * error so far, and screenshots at desktop and phone widths. axe is evaluated through DevTools,
     * which the page's CSP does not cover (a <script> tag would be refused, rightly).
     */
    async checkPage(name) {
      await ready(); // checked and pictured as a person sees it
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
    },

    /**
     * Makes the user's sign-ins 11 minutes old, from a shell on the local database (as `admin:promote`
     * does): the only way to see, without waiting, what a change asks once a sign-in is not recent.
     */
    async ageSignIns(email) {
      const { state } = await localFilesOf(server);
      const sql = `UPDATE sessions SET authenticated_at = ${Date.now() - 11 * 60_000} WHERE user_id = (SELECT id FROM users WHERE email = '${email}')`;
      const result = spawnSync(
        path.join(ROOT, 'node_modules/.bin/wrangler'),
        ['d1', 'execute', 'DB', '--local', `--persist-to=${state}`, '--command', sql],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(result.status, result.stderr).toBe(0);
    },

    message: () => page.locator('#message'),
    navTo: async (name, navigation = 'Account pages') => {
      const link = page.getByRole('navigation', { name: navigation }).getByRole('link', { name, exact: true });
      const target = new URL((await link.getAttribute('href'))!, page.url()).pathname;
      await link.click();
      // The new page is shown (its address is pushed as its body is swapped in, aria-busy), then its
      // module has started: before that its buttons do nothing, as for a person clicking too early.
      await page.waitForURL((url) => url.pathname === target);
      await ready();
    },
    ready,
    async shown(url) {
      await page.waitForURL(url);
      await ready();
    },
    async open(url, options) {
      const response = await page.goto(url, options);
      await ready();
      return response;
    },
    heading: () => page.getByRole('heading', { level: 1 }),
  };
}
