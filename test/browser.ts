import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

// A real browser for the dashboard's tests (and the screenshot script):
// Debian's chromium driven by playwright-core, no browser download.

export const CHROMIUM = process.env.FLEETSWAP_CHROMIUM ?? '/usr/bin/chromium';

export async function aBrowser(): Promise<Browser> {
  // --no-sandbox: the tests run as root in CI, where chromium's sandbox will not start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/**
 * aContext is one browser profile for the dashboard. The coordinator's
 * certificate comes from the fleet's own CA, which this browser does not
 * know: its TLS is checked by the tests that use node's client with the CA.
 */
export async function aContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1000 } });
}

/** PageProblems collects what a page complained about: script errors and console errors (a CSP violation is one). */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  return problems;
}

/** signIn opens `path`, is sent to the sign-in page, gives the token, and waits for `path`'s page to be ready. */
export async function signIn(page: Page, base: string, token: string, path: string): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.waitForURL(/\/signin\?next=/);
  await page.fill('#token', token);
  await page.click('#go');
  await page.waitForURL((u) => u.pathname === path.split(/[?#]/)[0]);
  await ready(page);
}

/** ready waits until the page's script has drawn it (it sets data-ready on <html>). */
export async function ready(page: Page): Promise<void> {
  await page.waitForSelector('html[data-ready=true]');
}
