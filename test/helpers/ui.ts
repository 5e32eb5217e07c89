// The UI in a real browser for a test: Chromium signed in through the login form as a person
// would, pages opened by path, text and element states read off the page, screenshots kept.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { repoRoot } from '../env/paths.ts';
import { bounded, waitFor } from './wait.ts';

export const SCREENSHOT_DIR = join(repoRoot, 'docs', 'ui');

export type UiSession = {
  browser: Browser;
  context: BrowserContext;
  open: (path: string) => Promise<Page>;
  close: () => Promise<void>;
};

export async function signIn(baseUrl: string, password: string): Promise<UiSession> {
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: baseUrl });
  const page = await context.newPage();
  const res = await page.goto('/');
  if (res?.status() !== 401) throw new Error(`expected the login form with 401 at /, got ${res?.status()}`);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('button[type=submit]')]);
  await page.close();
  return {
    browser,
    context,
    open: async (path) => {
      const p = await context.newPage();
      const r = await p.goto(path);
      if (r?.status() !== 200) throw new Error(`${path} answered ${r?.status()}`);
      await p.waitForSelector('[data-connection="live"]', { timeout: 30_000 });
      return p;
    },
    // A wedged Chromium must not hold the test: its process goes with the test's worker.
    close: () => bounded('closing Chromium', 20_000, browser.close()),
  };
}

/** Polls a page condition (read as a person would: text, element states) until it holds or time is up. */
export async function within<T>(
  ms: number,
  what: string,
  probe: () => Promise<T | undefined | false>,
): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  const value = await waitFor(probe, { timeoutMs: ms, intervalMs: 100, what: `${what} on the page` });
  return { value, ms: Date.now() - start };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
