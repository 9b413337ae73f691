/**
 * The operator's console in a real browser (headless Chromium against the real server process):
 * the overview's charts from real data, a CSV export downloaded and parsed, and the affiliate
 * feed's token changed, tested against a fake feed and used by the next run without a restart,
 * with a refused token raising exactly one notification.
 */
import { readFileSync } from 'node:fs';
import type { Client } from '@goated/client';
import { type FakeUpstream, startFakeUpstream, upstreamRecord } from '@goated/testing/upstream';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from './support/browser';
import { type BrowserHarness, signIn, startHarness } from './support/harness';
import { ADMIN } from './support/server-process';

const WAIT = { timeout: 15_000 } as const;
const runBrowserTests = chromiumAvailable() || process.env.CI === 'true';

describe.runIf(runBrowserTests)('the operator’s console in a real browser', () => {
  let h: BrowserHarness;
  let admin: Client;
  let feed: FakeUpstream;

  async function adminPage(path: string): Promise<Page> {
    const page = await h.open(`/signin?next=${encodeURIComponent(path)}`, { acceptDownloads: true });
    await signIn(page, ADMIN.username, ADMIN.password);
    await page.waitForURL((url) => url.pathname === path, WAIT);
    return page;
  }

  beforeAll(async () => {
    h = await startHarness();
    ({ admin } = h);
    feed = await startFakeUpstream();
    const now = new Date().toISOString();
    await admin.api.sync.ingest.mutate({
      records: [
        upstreamRecord('c1', '1200.50', now, 'Console One'),
        upstreamRecord('c2', '800.00', now, 'Console Two'),
        upstreamRecord('c3', '50.00', now, '=HYPERLINK("http://evil.example","win")'),
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await feed?.close();
  }, 60_000);

  it('draws the overview from real data: KPIs and the daily charts', async () => {
    const page = await adminPage('/admin');
    await page.getByRole('heading', { name: 'Overview' }).waitFor(WAIT);
    const wagered = page.locator('[data-kpi="Wagered"] .kpi-value');
    await wagered.filter({ hasText: '2,050.50' }).waitFor(WAIT);
    for (const chart of [
      'Wagered per day',
      'Active players per day',
      'Sign-ups and claims',
      'Sync runs and error rate',
    ]) {
      await page.locator(`[data-chart="${chart}"] svg.recharts-surface`).first().waitFor(WAIT);
    }
    // The wager chart has drawn its area from the series (today's 2,050.50 among zeros).
    await page.locator('[data-chart="Wagered per day"] .recharts-area-area').waitFor(WAIT);
    expect(await page.locator('[data-chart="Wagered per day"] .sr-only').textContent()).toContain('2,050.50');
    await page.getByRole('button', { name: '7 days' }).click();
    await page.getByText(/compared with the 7 days before/).waitFor(WAIT);
    // Three players wagered today: the mean over 7 days rounds to 0, the sync chart counts today's run.
    expect(await page.locator('[data-kpi="Sync runs"] .kpi-value').textContent()).toBe('1');
  });

  it('downloads a CSV export that parses, with the formula cell neutralised', async () => {
    const page = await adminPage('/admin');
    const [download] = await Promise.all([
      page.waitForEvent('download', WAIT),
      page.locator('section[aria-labelledby="exports-title"]').getByRole('link', { name: 'Leaderboard' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^leaderboard-month-\d{4}-\d\d-\d\d\.csv$/);
    const path = await download.path();
    const rows: string[][] = parse(readFileSync(path, 'utf8'));
    expect(rows[0]).toEqual(['rank', 'uid', 'name', 'wagered']);
    expect(rows.slice(1)).toEqual([
      ['1', 'c1', 'Console One', '1200.50'],
      ['2', 'c2', 'Console Two', '800.00'],
      ['3', 'c3', `'=HYPERLINK("http://evil.example","win")`, '50.00'],
    ]);
    const { entries } = await admin.api.admin.audit.list.query({ action: 'export.download' });
    expect(entries[0]).toMatchObject({ targetId: 'leaderboard', actorUsername: ADMIN.username });
  });

  it('changes the feed token, tests it, uses it on the next run without a restart, and alerts once when it is refused', async () => {
    const good = 'fresh-token-5678';
    feed.reply((req) =>
      req.authorization === `Bearer ${good}`
        ? { json: { success: true, data: [upstreamRecord('f1', '10.00', new Date().toISOString(), 'Feed One')] } }
        : { status: 401, json: { error: 'invalid token' } },
    );
    const alerts: string[] = [];
    const subscription = admin.api.notifications.onNotify.subscribe(undefined, {
      onData: (n) => alerts.push(n.type ?? n.kind),
    });

    const page = await adminPage('/admin/upstream');
    await page.getByRole('heading', { name: 'Affiliate feed' }).waitFor(WAIT);
    await page.getByLabel('Feed URL').fill(feed.url);
    await page.getByLabel('API token').fill(good);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const report = page.getByTestId('connection-test');
    await report.getByText('Connection works').waitFor(WAIT);
    expect(await report.textContent()).toContain('1 records (1 valid)');
    expect((await admin.api.players.get.query({ uid: 'f1' }).catch(() => null)) ?? null).toBeNull();

    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved. The next sync run').waitFor(WAIT);
    // The token is never shown again, only its end.
    await page.getByText(/ends …5678/).waitFor(WAIT);
    expect(await page.getByLabel('API token').inputValue()).toBe('');

    const run = await admin.api.sync.runNow.mutate({});
    expect(run).toMatchObject({ status: 'succeeded', recordsOut: 1 });
    expect(feed.requests.at(-1)?.authorization).toBe(`Bearer ${good}`);

    // The feed revokes the token: three runs, one alert.
    feed.reply({ status: 401, json: { error: 'token expired' } });
    for (let i = 0; i < 3; i++) expect(await admin.api.sync.runNow.mutate({})).toMatchObject({ status: 'failed' });
    await expect.poll(() => alerts.filter((k) => k === 'upstream.auth').length, WAIT).toBe(1);
    await page.locator('.toast', { hasText: 'refuses the API token' }).waitFor(WAIT);
    expect(await page.locator('.toast', { hasText: 'refuses the API token' }).count()).toBe(1);
    const health = await admin.api.health.status.query();
    expect(health.detail === 'full' ? health.upstream : null).toMatchObject({ authFailing: true, status: 401 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alerts.filter((k) => k === 'upstream.auth')).toHaveLength(1);
    subscription.unsubscribe();
  });
});
