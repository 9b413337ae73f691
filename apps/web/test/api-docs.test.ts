/**
 * The interactive API reference (`/api/docs`) in a real browser: it renders every operation of
 * the OpenAPI document under the server's own security headers, and loads nothing from any
 * other host (no CDN, no fonts, no telemetry).
 */

import { startTestServer, type TestServer } from '@goated/testing/server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/browser';

const runBrowserTests = chromiumAvailable() || process.env.CI === 'true';

describe.runIf(runBrowserTests)('the API reference page', () => {
  let ts: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [ts, browser] = await Promise.all([startTestServer('pglite'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await ts?.close();
  });

  it('shows every operation, with zero requests to other hosts and no blocked scripts', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${ts.url}/api/docs`);
    const operations = page.locator('.opblock-summary');
    await operations.first().waitFor({ timeout: 15_000 });
    const document = await (await fetch(`${ts.url}/api/openapi.json`)).json();
    const documented = Object.values(document.paths as Record<string, object>).reduce(
      (n, item) => n + Object.keys(item).length,
      0,
    );
    expect(await operations.count()).toBe(documented);
    await expect(page.getByText('GoatedVIPs API').first().isVisible()).resolves.toBe(true);
    const origin = new URL(ts.url).origin;
    expect(requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:'))).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
