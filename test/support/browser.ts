import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_DIR } from './run.js';

// Chromium for the tests that use the dashboard as a browser does: Debian's
// chromium package (scripts/test installs it with the other TEST_PACKAGES),
// driven by playwright-core (no browser download). Every page records what
// should never happen: a script error, a console error (a CSP violation is
// one), a dialog (alert, confirm: an injected script's first sign).

export const CHROMIUM = process.env.PAAS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Chromium, headless. It resolves `*.localhost` to 127.0.0.1 by itself; with `loopback`, the names under that domain
 * too (a platform whose PAAS_DOMAIN is not under localhost, with no DNS for it).
 */
export function launchBrowser(opts: { loopback?: string } = {}): Promise<Browser> {
  const args = ['--no-sandbox', '--disable-dev-shm-usage']; // root in a container: no user namespace for the sandbox
  if (opts.loopback)
    args.push(`--host-resolver-rules=MAP *.${opts.loopback} 127.0.0.1, MAP ${opts.loopback} 127.0.0.1`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Script errors and console errors, as they came. */
  problems: string[];
  /** The messages of the dialogs that opened (each dismissed). */
  dialogs: string[];
}

/** A page in a context of its own (its own cookies), watched for problems and dialogs. */
export async function watchedPage(
  browser: Browser,
  opts: { width?: number; height?: number } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  return { context, page, problems, dialogs };
}

/**
 * Where screenshots go: docs/screenshots/ with PAAS_SCREENSHOTS=1 (to commit them), else a temporary folder (so a
 * test run leaves the repository as it was).
 */
export function screenshotDir(): string {
  if (process.env.PAAS_SCREENSHOTS === '1') {
    const dir = join(REPO_DIR, 'docs', 'screenshots');
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  return mkdtempSync(join(tmpdir(), 'paas-screenshots-'));
}

/** Saves the page as <dir>/<name>.png; answers the file. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  const file = join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
