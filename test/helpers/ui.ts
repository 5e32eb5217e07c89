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

/**
 * Chromium signed in at `baseUrl`. Every step is bounded (Playwright puts no bound on a new context
 * or page): a Chromium that wedges on a loaded machine (seen twice in full CI runs, never alone) is
 * closed and the sign-in tried once more on a fresh one; a second failure names the step.
 */
export async function signIn(baseUrl: string, password: string): Promise<UiSession> {
  try {
    return await signInOnce(baseUrl, password);
  } catch (first) {
    try {
      return await signInOnce(baseUrl, password);
    } catch (second) {
      throw new Error(`signing in failed twice: ${(first as Error).message}; then ${(second as Error).message}`);
    }
  }
}

async function signInOnce(baseUrl: string, password: string): Promise<UiSession> {
  const browser = await launchChromium();
  try {
    const context = await bounded(
      'a browser context',
      20_000,
      browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: baseUrl }),
    );
    const page = await bounded('a new page', 20_000, context.newPage());
    const res = await page.goto('/', { timeout: 30_000 });
    if (res?.status() !== 401) throw new Error(`expected the login form with 401 at /, got ${res?.status()}`);
    await page.fill('#password', password, { timeout: 10_000 });
    await Promise.all([
      page.waitForURL(`${baseUrl}/`, { timeout: 30_000 }),
      page.click('button[type=submit]', { timeout: 10_000 }),
    ]);
    // Not awaited: the signed-in page is live (it streams updates) and on a loaded machine its close
    // can take longer than the test is willing to wait (seen in a full CI run: over 10 s, twice);
    // the session only needs the context's cookie.
    void page.close().catch(() => undefined);
    return {
      browser,
      context,
      open: async (path) => {
        const p = await bounded(`a new page for ${path}`, 20_000, context.newPage());
        const r = await p.goto(path, { timeout: 30_000 });
        if (r?.status() !== 200) throw new Error(`${path} answered ${r?.status()}`);
        await p.waitForSelector('[data-connection="live"]', { timeout: 30_000 });
        return p;
      },
      // A wedged Chromium must not hold the test: its process goes with the test's worker.
      close: () => bounded('closing Chromium', 20_000, browser.close()),
    };
  } catch (err) {
    await bounded('closing Chromium', 20_000, browser.close()).catch(() => undefined);
    throw err;
  }
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
