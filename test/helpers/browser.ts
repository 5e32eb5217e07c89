// Headless Chromium for tests and benches, as these machines run it (the distribution's binary,
// no sandbox, no GPU, no background traffic); playwright-core drives it and never downloads one.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 60_000 });
}
