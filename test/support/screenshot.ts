/**
 * Renders HTML in the system Chromium so tests can check layout and a human can look at the PNG.
 * JavaScript is off, as in mail clients, and every network request is refused, so a page that
 * tries to load anything external shows up as a refused request instead of silently working.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface RenderedPage {
  page: Page;
  /** URLs the page tried to fetch; all were refused. */
  refusedRequests: string[];
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export async function openHtml(browser: Browser, markup: string, viewport = { width: 700, height: 900 }): Promise<RenderedPage> {
  const context = await browser.newContext({ viewport, javaScriptEnabled: false });
  const page = await context.newPage();
  const refusedRequests: string[] = [];
  await page.route('**/*', (route) => {
    refusedRequests.push(route.request().url());
    return route.abort();
  });
  await page.setContent(markup, { waitUntil: 'load' });
  return { page, refusedRequests };
}
