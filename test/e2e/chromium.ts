import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium (`.ci/run` installs it), driven by playwright-core: no browser download is
 * possible here. Headless, and quiet: nothing of its own goes to the network, so a test that checks
 * "no request leaves the service" sees only the page's requests.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 60_000 });
}
