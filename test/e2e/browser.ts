// Debian's Chromium driven by playwright-core for the e2e tests and bench:ui: a persistent context in a
// temporary profile (flags from ../shared/lab.md C), screenshots under test/e2e/screenshots/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const screenshotDir = 'test/e2e/screenshots';
export const chromiumPath = '/usr/bin/chromium';

export interface Browser {
  page: Page;
  context: BrowserContext;
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

type StyleWindow = { getComputedStyle(element: unknown): { color: string } };

/** The computed text colour of an element, as `rgb(r, g, b)`. */
export function colourOf(locator: Locator): Promise<string> {
  return locator.evaluate((element) => (globalThis as unknown as StyleWindow).getComputedStyle(element).color);
}

/** Launches headless Chromium with a fresh profile; close() removes the profile. */
export async function openBrowser(options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number; executablePath?: string } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'farmhand-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.executablePath ?? chromiumPath,
    headless: true,
    viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? 'light',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  mkdirSync(screenshotDir, { recursive: true });
  return {
    page,
    context,
    errors,
    async screenshot(name) {
      const path = join(screenshotDir, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
