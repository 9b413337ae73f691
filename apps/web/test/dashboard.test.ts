/**
 * The dashboard in a real browser: headless Debian Chromium (playwright-core) against the real
 * server process serving the built dashboard, on PostgreSQL when DATABASE_URL is set (always
 * under CI) and PGlite otherwise. One server and one browser for the file; each test opens its
 * own browser context (its own cookies).
 */
import { type Client, createClient } from '@goated/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from './support/browser';
import { type BrowserHarness, signIn, startHarness } from './support/harness';
import { type PlayerRecord, record, unique } from './support/records';
import { ADMIN, type ServerProcess, startServerProcess } from './support/server-process';

const WAIT = { timeout: 15_000 } as const;
const runBrowserTests = chromiumAvailable() || process.env.CI === 'true';

describe.runIf(runBrowserTests)('the dashboard in a real browser', () => {
  let h: BrowserHarness;
  let server: ServerProcess;
  let admin: Client;
  const openPage = (path: string) => h.open(path);
  const signInAs = signIn;

  async function adminPage(path: string): Promise<Page> {
    const page = await openPage(`/signin?next=${encodeURIComponent(path)}`);
    await signInAs(page, ADMIN.username, ADMIN.password);
    await page.waitForURL((url) => url.pathname === path, WAIT);
    return page;
  }

  function ingest(records: PlayerRecord[]) {
    return admin.api.sync.ingest.mutate({ records });
  }

  beforeAll(async () => {
    h = await startHarness();
    ({ server, admin } = h);
    await ingest(Array.from({ length: 30 }, (_, i) => record(`p${i}`, `Player ${i}`, 1000 + i * 10)));
  }, 120_000);

  afterAll(() => h?.close(), 60_000);

  it('shows a visitor the leaderboard change after an ingest, without reloading', async () => {
    const page = await openPage('/?period=month');
    const firstRow = page.locator('tbody tr').first();
    await firstRow.filter({ hasText: 'Player 29' }).waitFor(WAIT);
    await page.locator('[data-state="live"]').waitFor(WAIT);
    // A reload would lose this.
    await page.evaluate(() => document.body.setAttribute('data-before-ingest', 'yes'));

    await ingest([record('rising', 'Rising Star', 50_000)]);

    await firstRow.filter({ hasText: 'Rising Star' }).waitFor(WAIT);
    // Highlighted as changed (for a moment).
    await page.locator('tbody tr.row-changed', { hasText: 'Rising Star' }).waitFor(WAIT);
    expect(await page.locator('body').getAttribute('data-before-ingest')).toBe('yes');
    expect(await firstRow.locator('td.num').textContent()).toBe('$50,000.00');
  });

  it('stays live over Server-Sent Events where WebSockets are unavailable', async () => {
    // As behind a proxy that blocks WebSockets: the page has none.
    const page = await h.open('/?period=week', {
      width: 375,
      height: 812,
      script: () => Reflect.deleteProperty(window, 'WebSocket'),
    });
    await page.locator('[data-state="live"]', { hasText: 'SSE' }).waitFor(WAIT);
    await page.locator('tbody tr').first().waitFor(WAIT);

    await ingest([record('sse-fan', 'Event Streamer', 400_000)]);
    await page.locator('tbody tr').first().filter({ hasText: 'Event Streamer' }).waitFor(WAIT);
  });

  it('signs a visitor up, out, and in again', async () => {
    const username = unique('racer');
    const password = 'correct horse battery';
    const page = await openPage('/signup');

    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.locator('.field-error', { hasText: 'at least 10 characters' }).waitFor(WAIT);

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.waitForURL((url) => url.pathname === '/profile', WAIT);
    await page.getByRole('heading', { name: username }).waitFor(WAIT);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor(WAIT);
    expect(await page.getByRole('link', { name: 'Profile' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Sign in' }).click();
    await signInAs(page, username, 'wrong password!!');
    await page.locator('.form-error').waitFor(WAIT);
    await signInAs(page, username, password);
    await page.waitForURL((url) => url.pathname === '/profile', WAIT);
    await page.getByRole('heading', { name: username }).waitFor(WAIT);
    // Four password hashes and five page changes: beside the rest of the suite on 2 cores this
    // once passed 30 s. With a minute, a step that really hangs fails on its own 15 s wait, by name.
  }, 60_000);

  it('lets an admin create a race, showing the server’s error for a bad prize split next to the field', async () => {
    const page = await adminPage('/admin/races');
    const name = unique('Weekend race');
    await page.getByRole('button', { name: 'New race' }).click();
    const form = page.getByRole('form', { name: 'New race' });
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Prize pool').fill('1000');
    await form.getByLabel('Prize per rank').fill('500, 300, 100');
    await form.getByRole('button', { name: 'Create race' }).click();

    const prizeField = form.locator('.field', { has: page.locator('input[name="prizes"]') });
    await prizeField.locator('.field-error', { hasText: 'must add up to the prize pool' }).waitFor(WAIT);
    expect(await form.locator('input[name="prizes"]').getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('Prize per rank').fill('500, 300, 200');
    await form.getByRole('button', { name: 'Create race' }).click();
    await page.locator(`[data-race="${name}"]`).waitFor(WAIT);
    const { races } = await admin.api.races.list.query({ limit: 100 });
    expect(races.find((race) => race.name === name)?.prizes.map((p) => p.prize)).toEqual([
      '500.00',
      '300.00',
      '200.00',
    ]);

    // Its public page: a countdown to the start and the prize for each rank.
    await page.locator(`[data-race="${name}"]`).getByRole('link', { name }).click();
    await page.getByRole('heading', { name }).waitFor(WAIT);
    await page
      .getByRole('timer')
      .filter({ hasText: /\d\d:\d\d:\d\d/ })
      .waitFor(WAIT);
    const prizeRows = page.locator('.table-prizes tbody tr');
    await prizeRows.nth(2).waitFor(WAIT);
    expect(await prizeRows.allTextContents()).toEqual(['#1$500.0050.0%', '#2$300.0030.0%', '#3$200.0020.0%']);
  });

  it('shows a player with a wager-history chart', async () => {
    const page = await openPage('/');
    await page.getByRole('link', { name: 'Player 29' }).click();
    await page.getByRole('heading', { name: 'Player 29' }).waitFor(WAIT);
    await page.locator('.chart svg.recharts-surface').waitFor(WAIT);
    expect(new URL(page.url()).pathname).toBe('/players/p29');
  });

  it('fits a 375 px wide screen without sideways scrolling', async () => {
    const page = await h.open('/signin?next=/profile', { width: 375, height: 812 });
    await signInAs(page, ADMIN.username, ADMIN.password);
    await page.waitForURL((url) => url.pathname === '/profile', WAIT);
    for (const path of ['/', '/races', '/players/p29', '/profile', '/admin/users', '/admin/races', '/admin/logs']) {
      await page.goto(`${server.url}${path}`);
      await page.locator('main h1').first().waitFor(WAIT);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, path).toBeLessThanOrEqual(375);
    }
  });

  it('streams transformation logs to an admin while a sync runs', async () => {
    const page = await adminPage('/admin/logs');
    await page.getByRole('status').filter({ hasText: 'Streaming' }).waitFor(WAIT);
    const before = await page.locator('[data-log-id]').count();

    // Started elsewhere: only the stream can tell this page about it.
    const run = await admin.api.sync.runNow.mutate({});
    expect(run.status).toBe('succeeded');

    await page.locator('[data-log-id]').nth(before).waitFor(WAIT);
    const newestId = Number(await page.locator('[data-log-id]').first().getAttribute('data-log-id'));
    const { entries } = await admin.api.logs.list.query({ limit: 1 });
    expect(newestId).toBe(entries[0]?.id);

    // Paused, an entry is not shown; resuming replays it.
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('status').filter({ hasText: 'Paused' }).waitFor(WAIT);
    await ingest([record('while-paused', 'Paused Player', 10)]);
    const { entries: latest } = await admin.api.logs.list.query({ limit: 1 });
    const missedId = latest[0]?.id;
    expect(missedId).toBeGreaterThan(newestId);
    expect(await page.locator(`[data-log-id="${missedId}"]`).count()).toBe(0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator(`[data-log-id="${missedId}"]`).waitFor(WAIT);
  });

  it('shows a new API key once, then rotates and revokes it', async () => {
    const page = await adminPage('/admin/api-keys');
    const name = unique('ingest bot');
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('ingest').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-api-key');
    const key = (await shown.textContent({ timeout: WAIT.timeout })) ?? '';
    expect(key).toMatch(/^gvk_/);
    // The key works (an ingest with it), and the list never shows more than its prefix.
    const service = createClient({ url: server.url, token: key });
    await service.api.sync.ingest.mutate({ records: [record('via-key', 'Keyed Player', 5)] });
    await service.close();
    await page.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached', ...WAIT });
    expect(await page.getByText(key).count()).toBe(0);

    const row = page.locator(`tr[data-key="${name}"]`);
    await row.getByRole('button', { name: 'Rotate' }).click();
    const rotated = (await shown.textContent({ timeout: WAIT.timeout })) ?? '';
    expect(rotated).toMatch(/^gvk_/);
    expect(rotated).not.toBe(key);
    // The old key keeps working for its grace period beside the new one (same name).
    await row.filter({ hasText: 'grace' }).waitFor(WAIT);

    await page.getByRole('button', { name: 'Done' }).click();
    const replacement = page.locator(`tr[data-key="${name}"]`).filter({ hasText: 'active' });
    await replacement.getByRole('button', { name: 'Revoke' }).click();
    await replacement.getByRole('button', { name: 'Confirm revoke' }).click();
    await page.locator(`tr[data-key="${name}"]`).filter({ hasText: 'revoked' }).waitFor(WAIT);
  });

  it('lets an admin ban a user', async () => {
    const username = unique('cheater');
    const visitor = createClient({ url: server.url });
    await visitor.api.auth.signUp.mutate({ username, password: 'a fine password 1', mode: 'token' });
    await visitor.close();

    const page = await adminPage('/admin/users');
    await page.getByLabel('Search usernames').fill(username);
    const row = page.locator(`tr[data-username="${username}"]`);
    await row.waitFor(WAIT);
    await row.getByRole('button', { name: 'Ban', exact: true }).click();
    await row.getByText('banned').waitFor(WAIT);
    await row.getByRole('button', { name: 'Unban' }).waitFor(WAIT);

    // The row changes at once (optimistic); the server has it once the mutation settles.
    await expect
      .poll(async () => (await admin.api.admin.users.list.query({ search: username })).users[0]?.banned, WAIT)
      .toBe(true);
    const banned = createClient({ url: server.url });
    await expect(banned.api.auth.signIn.mutate({ username, password: 'a fine password 1' })).rejects.toThrow();
    await banned.close();
  });

  it('keeps the users list on screen while a search loads, and a ban made meanwhile does not stall the search', async () => {
    const username = unique('slowsearch');
    const bystander = unique('bystander');
    for (const name of [username, bystander]) {
      const visitor = createClient({ url: server.url });
      await visitor.api.auth.signUp.mutate({ username: name, password: 'a fine password 1', mode: 'token' });
      await visitor.close();
    }
    const page = await adminPage('/admin/users');
    const row = page.locator(`tr[data-username="${username}"]`);
    const other = page.locator(`tr[data-username="${bystander}"]`);
    await row.waitFor(WAIT);
    await other.waitFor(WAIT);

    // The search's answer is held back until released: the click below lands while it loads.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = 0;
    await page.route(
      (url) => url.pathname.includes('admin.users.list') && decodeURIComponent(url.search).includes(username),
      async (route) => {
        held += 1;
        await released;
        await route.continue();
      },
    );
    await page.getByLabel('Search usernames').fill(username);
    await expect.poll(() => held, WAIT).toBeGreaterThan(0);
    // Before, the list gave way to the loading rows here, the row hidden: a ban clicked just
    // before the search applied was then "resolved to hidden" until the search arrived (a CI run
    // failed so under load).
    expect(await row.isVisible()).toBe(true);
    await row.getByRole('button', { name: 'Ban', exact: true }).click();
    await row.getByText('banned').waitFor(WAIT);

    release();
    await other.waitFor({ state: 'detached', ...WAIT });
    await row.getByRole('button', { name: 'Unban' }).waitFor(WAIT);
  });

  it('tells visitors when the figures are stale: the feed has failed for longer than the threshold', async () => {
    // A second server whose upstream refuses every connection; stale 10 s after the first failure.
    const failing = await startServerProcess({
      SYNC_ENABLED: 'true',
      SYNC_INTERVAL_MS: '500',
      AFFILIATE_API_URL: 'http://127.0.0.1:9/feed',
      AFFILIATE_RETRIES: '0',
      DATA_STALE_AFTER_SECONDS: '10',
    });
    try {
      const page = await h.open('/', { width: 375, height: 812, origin: failing.url });
      await page.locator('tbody tr, .empty').first().waitFor(WAIT);
      expect(await page.locator('.stale-notice').count()).toBe(0);
      // The notice appears once the server reports the data stale (the page checks every minute;
      // a reload asks at once).
      const client = createClient({ url: failing.url });
      await expect
        .poll(async () => (await client.api.health.status.query()).freshness.stale, { timeout: 30_000 })
        .toBe(true);
      await client.close();
      await page.reload();
      await page.locator('.stale-notice').waitFor(WAIT);
      expect(await page.locator('.stale-notice').textContent()).toMatch(/affiliate/);
    } finally {
      await failing.close();
    }
  }, 90_000);

  it('follows a killed and restarted server: reconnecting, then live with current data', async () => {
    const page = await openPage('/?period=month');
    await page.locator('[data-state="live"]').waitFor(WAIT);
    await page.locator('tbody tr').first().waitFor(WAIT);
    expect(await page.locator('tbody tr').first().textContent()).not.toContain('Comeback Kid');

    await server.kill('SIGKILL');
    await page.locator('[data-state="reconnecting"]').waitFor(WAIT);

    await server.restart();
    admin = await h.renewAdmin();
    await ingest([record('comeback', 'Comeback Kid', 9_000_000)]);

    // The browser retries with growing delays (up to ~16 s apart by now), so allow for one more.
    await page.locator('[data-state="live"]').waitFor({ timeout: 45_000 });
    await page.locator('tbody tr').first().filter({ hasText: 'Comeback Kid' }).waitFor(WAIT);
  }, 120_000);
});

describe.runIf(!runBrowserTests)('the dashboard in a real browser', () => {
  it.skip('needs Chromium at /usr/bin/chromium (apt-get install -y chromium); under CI=true its absence fails', () => {});
});
