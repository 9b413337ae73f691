/**
 * What every browser test file starts with: the dashboard built, one Chromium, one server
 * process, an admin client; each page opened in a browser context of its own (its own cookies).
 */
import { type Client, createClient } from '@goated/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { buildDashboard } from './build';
import { ADMIN, type ServerProcess, startServerProcess } from './server-process';

export interface BrowserHarness {
  server: ServerProcess;
  browser: Browser;
  /** Signed in as the admin with a token: sets up data through the API as an operator would. */
  admin: Client;
  /**
   * A new context (no cookies yet) at `path` on the harness's server (or on `origin`); `script`
   * runs in the page before its own.
   */
  open(
    path: string,
    options?: { width?: number; height?: number; acceptDownloads?: boolean; script?: () => void; origin?: string },
  ): Promise<Page>;
  /** A new admin client, after the server restarted (the old one is closed). */
  renewAdmin(): Promise<Client>;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<BrowserHarness> {
  buildDashboard();
  // The browser first: without it (a failure under CI) no server process is left behind.
  const browser = await launchChromium();
  let server: ServerProcess | undefined;
  let admin: Client;
  try {
    server = await startServerProcess(env);
    admin = await adminClient(server.url);
  } catch (err) {
    // Nothing left running when the start fails half-way: the test file has no harness to close.
    await server?.close();
    await browser.close();
    throw err;
  }
  const started = server;
  const contexts: BrowserContext[] = [];
  const harness: BrowserHarness = {
    server: started,
    browser,
    admin,
    async open(path, { width = 1280, height = 900, acceptDownloads = false, script, origin = started.url } = {}) {
      const context = await browser.newContext({ viewport: { width, height }, acceptDownloads });
      contexts.push(context);
      const page = await context.newPage();
      if (script) await page.addInitScript(script);
      await page.goto(`${origin}${path}`);
      return page;
    },
    async renewAdmin() {
      await harness.admin.close();
      harness.admin = await adminClient(started.url);
      return harness.admin;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await harness.admin.close();
      await started.close();
    },
  };
  return harness;
}

async function adminClient(url: string): Promise<Client> {
  const anonymous = createClient({ url });
  const session = await anonymous.api.auth.signIn.mutate({ ...ADMIN, mode: 'token' });
  await anonymous.close();
  if (!session.token) throw new Error('token-mode sign-in returned no token');
  return createClient({ url, token: session.token });
}

/** Fills the sign-in form the page shows and sends it. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
