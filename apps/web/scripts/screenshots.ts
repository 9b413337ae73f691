/**
 * `pnpm screenshots`: builds the dashboard, starts the real server on demo data (the simulated
 * feed running), and saves the main pages at desktop and phone width as PNGs in
 * `screenshots/` at the repository root (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@goated/api/client';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser';
import { buildDashboard } from '../test/support/build';
import { ADMIN, startServerProcess } from '../test/support/server-process';

const outDir = path.join(fileURLToPath(new URL('../../../', import.meta.url)), 'screenshots');

const viewports = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 375, height: 812 },
] as const;

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page
    .locator('.skeleton-list')
    .first()
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => undefined);
  await page.waitForTimeout(400);
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  console.log('building the dashboard…');
  buildDashboard();
  const server = await startServerProcess({ SYNC_ENABLED: 'true', SEED_DEMO_DATA: 'true', SYNC_INTERVAL_MS: '2000' });
  const browser = await launchChromium();
  const { api, close } = createClient({ url: server.url });
  try {
    const board = await api.leaderboard.top.query({ period: 'month', limit: 1 });
    const { races } = await api.races.list.query({ limit: 20 });
    const liveRace = races.find((r) => r.status === 'live') ?? races[0];
    const finished = races.find((r) => r.status === 'completed');
    const player = board.entries[0];

    const publicPages: [string, string][] = [
      ['leaderboard', '/?period=month'],
      ['races', '/races'],
      ...(liveRace ? [['race-live', `/races/${liveRace.id}`] as [string, string]] : []),
      ...(finished ? [['race-finished', `/races/${finished.id}`] as [string, string]] : []),
      ...(player ? [['player', `/players/${encodeURIComponent(player.uid)}`] as [string, string]] : []),
      ['sign-in', '/signin'],
    ];
    const adminPages: [string, string][] = [
      ['profile', '/profile'],
      ['admin-overview', '/admin'],
      ['admin-upstream', '/admin/upstream'],
      ['admin-users', '/admin/users'],
      ['admin-races', '/admin/races'],
      ['admin-challenges', '/admin/challenges'],
      ['admin-bonus', '/admin/bonus'],
      ['admin-api-keys', '/admin/api-keys'],
      ['admin-logs', '/admin/logs'],
      ['admin-health', '/admin/health'],
      ['admin-audit', '/admin/audit'],
    ];

    for (const viewport of viewports) {
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme: 'dark' });
      const page = await context.newPage();
      const shoot = async (name: string, url: string) => {
        await page.goto(`${server.url}${url}`);
        await settle(page);
        const file = path.join(outDir, `${name}-${viewport.name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`  ${path.relative(process.cwd(), file)}`);
      };
      for (const [name, url] of publicPages) await shoot(name, url);
      await page.goto(`${server.url}/signin?next=/profile`);
      await page.getByLabel('Username').fill(ADMIN.username);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.pathname === '/profile');
      for (const [name, url] of adminPages) await shoot(name, url);
      await context.close();
    }
    console.log(`screenshots written to ${outDir}`);
  } finally {
    await close();
    await browser.close();
    await server.close();
  }
}

await main();
