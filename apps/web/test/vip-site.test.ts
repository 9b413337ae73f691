/**
 * The VIP site in a real browser (headless Chromium against the real server process): tier badges
 * and the progress bar, MVP cards and the live race's podium following an ingest, only rows whose
 * wager changed flashing, the archive of finished races with their winners, nothing cut at 375 px,
 * a missing player reading "not found" at once, and axe-core finding no violations.
 */

import { createRequire } from 'node:module';
import { type Client, createClient } from '@goated/client';
import { sleep, waitFor } from '@goated/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from './support/browser';
import { type BrowserHarness, signIn, startHarness } from './support/harness';
import { type PlayerRecord, record, unique } from './support/records';
import { ADMIN, type ServerProcess } from './support/server-process';

const WAIT = { timeout: 20_000 } as const;
// Generous: under CI several browser files share two cores with the servers they drive.
const runBrowserTests = chromiumAvailable() || process.env.CI === 'true';
const axePath = createRequire(import.meta.url).resolve('axe-core');

/** A name that only fits a phone's screen by wrapping. */
const LONG_NAME = 'Maximilian_the_extraordinarily_lucky_high_roller_from_Vienna';

// axe-core's global inside the page, once injected.
declare const axe: typeof import('axe-core');

describe.runIf(runBrowserTests)('the VIP site in a real browser', () => {
  let server: ServerProcess;
  let h: BrowserHarness;
  let admin: Client;
  let liveRaceId = 0;
  const openPage = (path: string, width = 1280) => h.open(path, { width });

  function ingest(records: PlayerRecord[]) {
    return admin.api.sync.ingest.mutate({ records });
  }

  /** A race that starts in a moment; resolves once it is live (by the clock). */
  async function createRace(name: string, lastsMs: number, prizes: string[]) {
    const startsAt = new Date(Date.now() + 1500);
    const pool = prizes.reduce((sum, p) => sum + Number(p), 0).toFixed(2);
    const race = await admin.api.races.create.mutate({
      name,
      startsAt,
      endsAt: new Date(startsAt.getTime() + lastsMs),
      prizePool: pool,
      prizes,
    });
    await waitFor(async () => (await admin.api.races.get.query({ raceId: race.id })).status === 'live', {
      label: `${name} to go live`,
      timeoutMs: WAIT.timeout,
      intervalMs: 100,
    });
    return race;
  }

  beforeAll(async () => {
    h = await startHarness({
      AFFILIATE_REFERRAL_CODE: 'GOATED',
      AFFILIATE_SIGNUP_URL: 'https://casino.example/r/GOATED',
    });
    ({ server, admin } = h);
    await ingest(Array.from({ length: 30 }, (_, i) => record(`p${i}`, `Player ${i}`, 1000 + i * 10)));
    const live = await createRace('Grand Monthly Race', 3_600_000, ['5000', '2500', '1000', '500', '250']);
    liveRaceId = live.id;
  }, 120_000);

  afterAll(() => h?.close(), 60_000);

  it('shows tier badges on the board and the way to the next tier on a player page', async () => {
    const page = await openPage('/?period=month');
    // Player 29: 3,870.00 all time, Copper; Bronze starts at 10,000.00.
    const row = page.locator('tbody tr[data-uid="p29"]');
    await row.locator('.tier-badge', { hasText: 'Copper' }).waitFor(WAIT);

    await row.getByRole('link', { name: 'Player 29' }).click();
    await page.getByRole('heading', { name: /Player 29/ }).waitFor(WAIT);
    const bar = page.getByRole('progressbar', { name: 'Progress from Copper to Bronze' });
    await bar.waitFor(WAIT);
    expect(await bar.getAttribute('aria-valuenow')).toBe('39');
    expect(await page.getByTestId('tier-progress').textContent()).toContain('$6,130.00 to Bronze');
  }, 90_000);

  it('invites a visitor to play with the affiliate’s code, and explains how it works', async () => {
    const page = await openPage('/');
    const cta = page.getByTestId('play-with-code');
    await cta.filter({ hasText: 'Play with code GOATED' }).waitFor(WAIT);
    const signUp = cta.getByRole('link', { name: /Sign up with code GOATED/ });
    expect(await signUp.getAttribute('href')).toBe('https://casino.example/r/GOATED');
    await page.getByRole('contentinfo').getByRole('link', { name: 'Responsible gambling' }).waitFor(WAIT);
    expect(await page.getByRole('contentinfo').textContent()).toContain('18+');

    await cta.getByRole('link', { name: 'How it works' }).click();
    await page.getByRole('heading', { name: 'How it works' }).waitFor(WAIT);
    expect(await page.locator('.how-step h2').allTextContents()).toEqual([
      'Sign up with code GOATED',
      'Wager',
      'Climb the board and the tiers',
      'Win races',
    ]);
  }, 90_000);

  it('keeps the MVP cards and the live race podium current after an ingest, without reloading', async () => {
    const page = await openPage('/');
    await page.locator('.hero [data-rank="1"]').filter({ hasText: 'Player 29' }).waitFor(WAIT);
    await page.locator('[data-mvp="today"]', { hasText: 'Player 29' }).waitFor(WAIT);
    await page.locator('[data-state="live"]').waitFor(WAIT);
    await page.evaluate(() => document.body.setAttribute('data-before-ingest', 'yes'));

    // 500,000 today, 15,000,000 all time: the day's, week's and month's #1, in Emerald.
    await ingest([record('whale', 'Wendy Whale', 5_000_000)]);

    for (const period of ['today', 'week', 'month']) {
      await page.locator(`[data-mvp="${period}"]`, { hasText: 'Wendy Whale' }).waitFor(WAIT);
    }
    expect(await page.locator('[data-mvp="month"]').textContent()).toContain('$5,000,000.00');
    const first = page.locator('.hero [data-rank="1"]');
    await first.filter({ hasText: 'Wendy Whale' }).waitFor(WAIT);
    expect(await first.textContent()).toContain('$5,000.00');
    await first.locator('.tier-badge', { hasText: 'Emerald' }).waitFor(WAIT);
    await page.locator('.hero [data-rank="2"]', { hasText: 'Player 29' }).waitFor(WAIT);
    expect(await page.locator('body').getAttribute('data-before-ingest')).toBe('yes');
  }, 90_000);

  it('highlights only the row whose wager changed; the rows it passed get a ▼', async () => {
    const page = await openPage('/?period=month');
    await page.locator('[data-state="live"]').waitFor(WAIT);
    await page.locator('tbody tr[data-uid="p10"]').waitFor(WAIT);
    // The first snapshot with a highlight, taken by the page itself (the flash lasts 2.5 s).
    const flashed = page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll<HTMLElement>('tbody tr.row-changed')];
        return rows.length > 0 ? rows.map((row) => row.dataset.uid) : null;
      },
      undefined,
      { polling: 'raf', ...WAIT },
    );
    // Player 10 climbs from 1,100.00 past Players 11–29 (1,110.00 … 1,290.00).
    await ingest([record('p10', 'Player 10', 1_295)]);

    expect(await (await flashed).jsonValue()).toEqual(['p10']);
    const climber = page.locator('tbody tr[data-uid="p10"]');
    expect(await climber.locator('.move-up').textContent()).toContain('▲19');
    expect(await page.locator('tbody tr[data-uid="p29"] .move-down').textContent()).toContain('▼1');
    expect(await page.locator('tbody tr[data-uid="p29"]').getAttribute('class')).not.toContain('row-changed');
  }, 90_000);

  it('lists a finished race’s winners in the archive, newest first', async () => {
    const name = unique('Flash race');
    // Long enough for the ingest below to land inside the race on a loaded machine.
    const race = await createRace(name, 5000, ['300', '200', '100']);
    await ingest([record('sprinter', 'Sally Sprinter', 4_000_000)]);
    await sleep(Math.max(0, race.endsAt.getTime() - Date.now()) + 300);
    await admin.api.races.finalize.mutate({ raceId: race.id });

    const page = await openPage('/races');
    const item = page.locator(`[data-archived-race="${name}"]`);
    await item.waitFor(WAIT);
    const winners = item.locator('.winner');
    expect(await winners.count()).toBe(3);
    // Today's wagers rank the race: Wendy 500,000, Sally 400,000, then Player 10 (129.50).
    expect(await winners.nth(0).textContent()).toMatch(/Wendy Whale.*\$300\.00/);
    expect(await winners.nth(1).textContent()).toMatch(/Sally Sprinter.*\$200\.00/);
    expect(await page.locator('[data-archived-race]').first().getAttribute('data-archived-race')).toBe(name);
  }, 90_000);

  it('cuts no name or prize at 375 px on the home and race pages, and puts the races above the board', async () => {
    await ingest([record('longname', LONG_NAME, 9_000_000)]);
    const page = await openPage('/?period=month', 375);
    const pages: [string, string][] = [
      ['/?period=month', `.hero [data-rank="1"]:has-text("${LONG_NAME}")`],
      [`/races/${liveRaceId}`, 'tbody tr[data-uid="longname"]'],
      ['/races', '#archive-title'],
    ];
    for (const [path, ready] of pages) {
      await page.goto(`${server.url}${path}`);
      await page.locator(ready).first().waitFor(WAIT);
      await page.waitForFunction(() => !document.querySelector('.skeleton-list'), undefined, WAIT);
      const cut = await page.evaluate(() => {
        const selectors = [
          'td',
          '.step-name',
          '.step-prize',
          '.mvp-name',
          '.mvp-amount',
          '.race-name',
          '.hero-title',
          '.winner-name',
          '.winner-prize',
          '.table-wrap',
          '.tier-badge',
        ];
        return [...document.querySelectorAll<HTMLElement>(selectors.join(','))]
          .filter((el) => el.scrollWidth > el.clientWidth + 1 && !el.title)
          .map((el) => `${el.className}: ${el.textContent}`);
      });
      expect(cut, path).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(375);
    }
    await page.goto(`${server.url}/`);
    const races = await page.locator('#races-panel-title').boundingBox();
    const board = await page.locator('#leaderboard-title').boundingBox();
    expect(races && board && races.y < board.y).toBe(true);
  }, 90_000);

  it('says a player that does not exist is not found, in under a second', async () => {
    const page = await openPage('/');
    await page.locator('tbody tr').first().waitFor(WAIT);
    // Followed inside the page, as a visitor following a link: from the navigation to "Not found"
    // on screen (the query answered NOT_FOUND once, not retried; no error shown first). The
    // bundle's download and start-up are left out: they depend on the machine, not on this. The
    // best of three, so a moment of load on a shared machine is not taken for the page's speed;
    // a single retry alone would wait a second before asking again.
    const timeToNotFound = (path: string) =>
      page.evaluate(
        (target) =>
          new Promise<number>((resolve, reject) => {
            const started = performance.now();
            const observer = new MutationObserver(() => {
              if (document.querySelector('main [role="alert"]')) reject(new Error('an error was shown first'));
              if (document.querySelector('main h1')?.textContent === 'Not found') {
                observer.disconnect();
                resolve(performance.now() - started);
              }
            });
            observer.observe(document.body, { subtree: true, childList: true, characterData: true });
            window.history.pushState({}, '', target);
            window.dispatchEvent(new PopStateEvent('popstate'));
          }),
        path,
      );
    const times: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      times.push(await timeToNotFound(`/players/${unique('nobody')}`));
      await page.goBack();
      await page.locator('tbody tr').first().waitFor(WAIT);
    }
    expect(Math.min(...times), `times: ${times.map(Math.round).join(', ')} ms`).toBeLessThan(1000);
    await page.goto(`${server.url}/players/${unique('nobody')}`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor(WAIT);
    expect(await page.locator('main').textContent()).toContain('is on the leaderboard');
    expect(await page.getByRole('alert').count()).toBe(0);
  }, 90_000);

  it('passes axe-core on the public pages and the profile, contrast included', async () => {
    const username = unique('axe_fan');
    const password = 'an accessible password';
    const signUp = createClient({ url: server.url });
    const { user } = await signUp.api.auth.signUp.mutate({ username, password, mode: 'token' });
    await signUp.close();
    await admin.api.admin.users.linkPlayer.mutate({ userId: user.id, uid: 'p29' });

    // Playwright injects axe as an inline script, which the site's CSP (rightly) refuses.
    const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    const pages = [
      '/',
      '/races',
      `/races/${liveRaceId}`,
      '/players/p29',
      '/vip',
      '/how-it-works',
      '/challenges',
      '/bonus-codes',
      '/players/nobody-here',
    ];
    const check = async (path: string) => {
      await page.goto(`${server.url}${path}`);
      await page.locator('main h1').first().waitFor(WAIT);
      await page.waitForFunction(() => !document.querySelector('.skeleton-list'), undefined, WAIT);
      await page.addScriptTag({ path: axePath });
      const violations = await page.evaluate(async () => {
        const result = await axe.run(document, { resultTypes: ['violations'] });
        return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
      });
      expect(violations, path).toEqual([]);
    };
    for (const path of pages) await check(path);

    await page.goto(`${server.url}/signin?next=/profile`);
    await signIn(page, username, password);
    await page.waitForURL((url) => url.pathname === '/profile', WAIT);
    await page.getByTestId('tier-progress').waitFor(WAIT);
    await check('/profile');
  }, 300_000);

  it('tells a linked player in the bell when an ingest lifts them into the next tier', async () => {
    const username = unique('climber');
    const password = 'a climbing password';
    // 9,900.00 all time: Copper, 100.00 short of Bronze.
    await ingest([record('tierling', 'Tina Tierling', 3_300)]);
    const signUp = createClient({ url: server.url });
    const { user } = await signUp.api.auth.signUp.mutate({ username, password, mode: 'token' });
    await signUp.close();
    await admin.api.admin.users.linkPlayer.mutate({ userId: user.id, uid: 'tierling' });

    const page = await openPage('/signin?next=/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/', WAIT);
    await page.locator('[data-state="live"]').waitFor(WAIT);
    const bell = page.getByRole('button', { name: /^Notifications/ });
    await bell.waitFor(WAIT);
    const before = await bell.getAttribute('aria-label');

    await ingest([record('tierling', 'Tina Tierling', 3_400)]); // 10,200.00: Bronze
    // The unread count goes up live; then the bell lists it.
    await expect.poll(() => bell.getAttribute('aria-label'), WAIT).not.toBe(before);
    await bell.click();
    const item = page.locator('.bell-panel [data-notification-type="tier.up"]');
    await item.filter({ hasText: 'You reached Bronze!' }).waitFor(WAIT);
    await item.getByRole('link', { name: 'You reached Bronze!' }).click();
    await page.waitForURL((url) => url.pathname === '/players/tierling', WAIT);
    await page.getByTestId('tier-progress').filter({ hasText: 'Bronze' }).waitFor(WAIT);
  }, 90_000);

  // Last: it changes the ladder the other tests read.
  it('lets an admin edit the ladder, showing a bad threshold next to its field', async () => {
    const page = await openPage('/signin?next=/admin/vip');
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/vip', WAIT);
    const form = page.getByRole('form', { name: 'VIP ladder' });
    const silver = form.locator('[data-tier-row="3"]');
    await silver.getByLabel('Name').waitFor(WAIT);
    expect(await silver.getByLabel('Name').inputValue()).toBe('Silver');

    // Below Bronze's 10,000: refused, and said next to Silver's threshold.
    await silver.getByLabel('Threshold').fill('5000');
    await form.getByRole('button', { name: 'Save ladder' }).click();
    const field = silver.locator('.field', { has: page.locator('input[name="tiers.2.threshold"]') });
    await field.locator('.field-error', { hasText: /above Bronze/ }).waitFor(WAIT);
    expect(await silver.locator('input[name="tiers.2.threshold"]').getAttribute('aria-invalid')).toBe('true');

    await silver.getByLabel('Name').fill('Quicksilver');
    await silver.getByLabel('Threshold').fill('25000');
    await form.getByRole('button', { name: 'Save ladder' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved' }).waitFor(WAIT);
    const tiers = await admin.api.vip.tiers.query();
    expect(tiers[2]).toMatchObject({ name: 'Quicksilver', threshold: '25000.00' });

    await page.goto(`${server.url}/vip`);
    await page.locator('.ladder-step[data-tier="Quicksilver"]', { hasText: '$25,000.00' }).waitFor(WAIT);
  }, 90_000);
});

describe.runIf(!runBrowserTests)('the VIP site in a real browser', () => {
  it.skip('needs Chromium at /usr/bin/chromium (apt-get install -y chromium); under CI=true its absence fails', () => {});
});
