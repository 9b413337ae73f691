/**
 * `pnpm screenshots`: builds the dashboard, starts the real server on demo data (the simulated
 * feed running), and saves the main pages at desktop and phone width as PNGs in
 * `screenshots/` at the repository root (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Client, createClient } from '@goated/client';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser';
import { buildDashboard } from '../test/support/build';
import { ADMIN, startServerProcess } from '../test/support/server-process';

const outDir = path.join(fileURLToPath(new URL('../../../', import.meta.url)), 'screenshots');

const FAN_PASSWORD = 'a screenshot password';

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

/**
 * What an operator's console holds after a while, so its pages are shot with rows in them: a few
 * users (one banned), a bonus code two of them claimed, a challenge with an entry, a recurring
 * race — each made through the API, so the audit log fills too.
 */
async function consoleData(url: string, admin: Client['api']): Promise<void> {
  const names = ['high_roller_jane', 'casual_sam', 'weekend_wagerer_with_a_long_name'];
  await admin.bonus.create.mutate({ code: 'WELCOME50', description: 'Fifty free spins', maxClaims: 100 });
  await admin.challenges.create.mutate({
    title: 'Hit 200x on Gates of Olympus',
    game: 'Gates of Olympus',
    minMultiplier: '200',
    minBet: '1.00',
    prize: '150.00',
    maxWinners: 3,
    startsAt: new Date(Date.now() - 3_600_000),
    endsAt: new Date(Date.now() + 7 * 86_400_000),
  });

  for (const username of names) {
    const anonymous = createClient({ url });
    try {
      await anonymous.api.auth.signUp.mutate({ username, password: `${username} password` });
      const { token } = await anonymous.api.auth.signIn.mutate({
        username,
        password: `${username} password`,
        mode: 'token',
      });
      const user = createClient({ url, token: token ?? '' });
      try {
        if (username !== names[2]) await user.api.bonus.claim.mutate({ code: 'WELCOME50' });
        if (username === names[0]) {
          const [challenge] = (await user.api.challenges.list.query({ status: 'open' })).challenges;
          if (challenge) {
            await user.api.challenges.submit.mutate({
              challengeId: challenge.id,
              betReference: 'https://casino.example/bets/8841',
              multiplier: '212.5',
              betAmount: '2.00',
            });
          }
        }
      } finally {
        await user.close();
      }
    } finally {
      await anonymous.close();
    }
  }
  await admin.admin.raceTemplates.create.mutate({
    name: 'Monthly $25,000 race',
    cadence: 'monthly',
    startDay: 1,
    startTime: '18:00',
    timeZone: 'Europe/Berlin',
    prizePool: '25000.00',
    prizes: ['12500.00', '7500.00', '5000.00'],
    minWager: '100.00',
    leadHours: 72,
  });
  const { users } = await admin.admin.users.list.query({ search: 'casual_sam' });
  const sam = users[0];
  if (sam) await admin.admin.users.update.mutate({ userId: sam.id, banned: true });
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  console.log('building the dashboard…');
  buildDashboard();
  const server = await startServerProcess({
    SYNC_ENABLED: 'true',
    SEED_DEMO_DATA: 'true',
    SYNC_INTERVAL_MS: '2000',
    AFFILIATE_REFERRAL_CODE: 'GOATED',
    AFFILIATE_SIGNUP_URL: 'https://casino.example/r/GOATED',
  });
  const browser = await launchChromium();
  const { api, close } = createClient({ url: server.url });
  const session = await api.auth.signIn.mutate({ ...ADMIN, mode: 'token' });
  const admin = createClient({ url: server.url, token: session.token ?? '' });
  try {
    await consoleData(server.url, admin.api);
    const board = await api.leaderboard.top.query({ period: 'month', limit: 1 });
    const { races } = await api.races.list.query({ limit: 20 });
    const liveRace = races.find((r) => r.status === 'live') ?? races[0];
    const finished = races.find((r) => r.status === 'completed');
    const upcoming = races.find((r) => r.status === 'upcoming');
    const player = board.entries[0];

    const publicPages: [string, string][] = [
      ['leaderboard', '/?period=month'],
      ['races', '/races'],
      ...(liveRace ? [['race-live', `/races/${liveRace.id}`] as [string, string]] : []),
      ...(finished ? [['race-finished', `/races/${finished.id}`] as [string, string]] : []),
      ...(upcoming ? [['race-upcoming', `/races/${upcoming.id}`] as [string, string]] : []),
      ...(player ? [['player', `/players/${encodeURIComponent(player.uid)}`] as [string, string]] : []),
      ['vip', '/vip'],
      ['how-it-works', '/how-it-works'],
      ['challenges', '/challenges'],
      ['bonus-codes', '/bonus-codes'],
      ['player-not-found', '/players/nobody-by-this-name'],
      ['sign-in', '/signin'],
      ['reset', '/reset'],
    ];
    // A player's own view: a user who claimed the top player (approved) and one whose claim waits.
    const second = (await api.leaderboard.top.query({ period: 'month', limit: 2 })).entries[1];
    const fan = await api.auth.signUp.mutate({ username: 'screenshot_fan', password: FAN_PASSWORD, mode: 'token' });
    const waiting = await api.auth.signUp.mutate({ username: 'new_member', password: FAN_PASSWORD, mode: 'token' });
    if (player) await admin.api.admin.users.linkPlayer.mutate({ userId: fan.user.id, uid: player.uid });
    if (second) {
      const member = createClient({ url: server.url, token: waiting.token ?? '' });
      await member.api.account.claimPlayer.mutate({ name: second.name });
      await member.close();
    }
    const playerPages: [string, string][] = [
      ['profile-standing', '/profile'],
      ['leaderboard-you', '/?period=month'],
      ...(liveRace ? [['race-you', `/races/${liveRace.id}`] as [string, string]] : []),
      ['notifications', '/notifications'],
    ];
    const adminPages: [string, string][] = [
      ['profile', '/profile'],
      ['admin-overview', '/admin'],
      ['admin-upstream', '/admin/upstream'],
      ['admin-users', '/admin/users'],
      ['admin-claims', '/admin/claims'],
      ['admin-races', '/admin/races'],
      ['admin-challenges', '/admin/challenges'],
      ['admin-bonus', '/admin/bonus'],
      ['admin-vip', '/admin/vip'],
      ['admin-api-keys', '/admin/api-keys'],
      ['admin-logs', '/admin/logs'],
      ['admin-health', '/admin/health'],
      ['admin-audit', '/admin/audit'],
    ];

    for (const viewport of viewports) {
      // Reduced motion: charts are drawn at once, not caught halfway through their animation.
      const context = await browser.newContext({
        viewport,
        deviceScaleFactor: 1,
        colorScheme: 'dark',
        reducedMotion: 'reduce',
      });
      const page = await context.newPage();
      const shoot = async (name: string, url: string | null) => {
        if (url) await page.goto(`${server.url}${url}`);
        await settle(page);
        const file = path.join(outDir, `${name}-${viewport.name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`  ${path.relative(process.cwd(), file)}`);
      };
      for (const [name, url] of publicPages) await shoot(name, url);
      await page.goto(`${server.url}/signin?next=/profile`);
      await page.getByLabel('Username').fill('screenshot_fan');
      await page.getByLabel('Password').fill(FAN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.pathname === '/profile');
      for (const [name, url] of playerPages) await shoot(name, url);
      await page.goto(`${server.url}/`);
      await settle(page);
      await page.getByRole('button', { name: /^Notifications/ }).click();
      await page.locator('.bell-panel .inbox-item').first().waitFor();
      await page.screenshot({ path: path.join(outDir, `bell-open-${viewport.name}.png`) });
      console.log(`  bell-open-${viewport.name}.png`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
      await page.goto(`${server.url}/signin?next=/profile`);
      await page.getByLabel('Username').fill(ADMIN.username);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.pathname === '/profile');
      for (const [name, url] of adminPages) await shoot(name, url);
      // Who claimed a bonus code: a list opened under its row.
      await page.goto(`${server.url}/admin/bonus`);
      await page.getByRole('button', { name: 'Who claimed' }).first().click();
      await shoot('admin-bonus-claims', null);
      await context.close();
    }
    console.log(`screenshots written to ${outDir}`);
  } finally {
    await admin.close();
    await close();
    await browser.close();
    await server.close();
  }
}

await main();
