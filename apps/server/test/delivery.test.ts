/**
 * The dashboard as a browser and a link preview fetch it, over HTTP: hashed assets cached for
 * good, everything else revalidated (a 304 when unchanged), and the public pages' HTML carrying
 * the page's Open Graph / Twitter tags with a PNG preview rendered by the server.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { startTestServer, type TestServer } from '@goated/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMMUTABLE } from '../src/plugins/web';
import { curl } from './support/curl';

const INDEX = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>GoatedVIPs</title>
    <script type="module" crossorigin src="/assets/index-B7xQ2k_a.js"></script>
  </head>
  <body><div id="root"></div></body>
</html>`;

/** The content of a meta tag, unescaped. */
function meta(html: string, key: string): string | null {
  const match = new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)">`).exec(html);
  if (!match?.[1]) return null;
  return match[1].replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

describe.each(testBackends())('delivery on %s', (kind) => {
  let ts: TestServer;
  let webDist = '';
  let raceId = 0;

  beforeAll(async () => {
    webDist = await mkdtemp(path.join(tmpdir(), 'delivery-web-'));
    await mkdir(path.join(webDist, 'assets'));
    await writeFile(path.join(webDist, 'index.html'), INDEX);
    await writeFile(path.join(webDist, 'assets', 'index-B7xQ2k_a.js'), 'console.log("app");');
    await writeFile(path.join(webDist, 'assets', 'index-Cq93_zZ1.css'), 'body{color:red}');
    await writeFile(path.join(webDist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    ts = await startTestServer(kind, { WEB_DIST: webDist, AFFILIATE_REFERRAL_CODE: 'GOAT' });
    const db = ts.db.db;
    await db.insert(schema.players).values([
      {
        uid: 'p<1>',
        name: 'Al "the" <Whale> & Co',
        wagerToday: '10.00',
        wagerWeek: '100.00',
        wagerMonth: '1000.00',
        wagerAllTime: '150000.00',
        upstreamUpdatedAt: new Date(),
      },
    ]);
    const [race] = await db
      .insert(schema.races)
      .values({
        name: 'June <Race> & "Friends"',
        startsAt: new Date(Date.now() + 86_400_000),
        endsAt: new Date(Date.now() + 7 * 86_400_000),
        prizePool: '1000.00',
        prizeSplit: ['600.00', '400.00'],
      })
      .returning();
    raceId = race?.id ?? 0;
  }, 120_000);
  afterAll(async () => {
    await ts?.close();
    if (webDist) await rm(webDist, { recursive: true, force: true });
  });

  it('caches hashed assets for a year, immutable', async () => {
    for (const file of ['/assets/index-B7xQ2k_a.js', '/assets/index-Cq93_zZ1.css']) {
      const res = await fetch(`${ts.url}${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
      expect(IMMUTABLE).toBe('public, max-age=31536000, immutable');
    }
  });

  it('revalidates unhashed files, answering 304 when they did not change', async () => {
    const first = await fetch(`${ts.url}/favicon.svg`);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const etag = first.headers.get('etag');
    const modified = first.headers.get('last-modified');
    expect(etag).toBeTruthy();
    expect(modified).toBeTruthy();
    // curl, as a browser revalidates: fetch() adds `Cache-Control: no-cache` to a conditional
    // request, which asks for an end-to-end reload (a 200) instead.
    const again = await curl('GET', `${ts.url}/favicon.svg`, { headers: { 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
    const since = await curl('GET', `${ts.url}/favicon.svg`, { headers: { 'if-modified-since': modified ?? '' } });
    expect(since.status).toBe(304);
  });

  it('serves the pages as revalidated HTML: a repeat visit is a 304', async () => {
    for (const page of ['/', `/races/${raceId}`, '/players/p%3C1%3E', '/vip', '/admin/users']) {
      const res = await fetch(`${ts.url}${page}`);
      expect(res.status, page).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const html = await res.text();
      expect(html).toContain('<div id="root"></div>');
      const etag = res.headers.get('etag') ?? '';
      expect(etag).toMatch(/^".+"$/);
      const again = await curl('GET', `${ts.url}${page}`, { headers: { 'if-none-match': etag } });
      expect(again.status, page).toBe(304);
    }
  });

  it('puts the leaderboard’s share tags on the front page', async () => {
    const html = await (await fetch(`${ts.url}/`)).text();
    expect(meta(html, 'og:title')).toBe('GoatedVIPs — live wager leaderboard');
    expect(meta(html, 'og:description')).toContain('Play with code GOAT');
    expect(meta(html, 'og:image')).toBe(`${ts.url}/og/leaderboard.png`);
    expect(meta(html, 'twitter:card')).toBe('summary_large_image');
    expect(meta(html, 'twitter:image')).toBe(`${ts.url}/og/leaderboard.png`);
    expect(html).toContain('<title>GoatedVIPs — live wager leaderboard</title>');
    // The build's own head stays.
    expect(html).toContain('<script type="module" crossorigin src="/assets/index-B7xQ2k_a.js"></script>');
  });

  it('describes a race and a player, escaping what they are called', async () => {
    const race = await (await fetch(`${ts.url}/races/${raceId}`)).text();
    expect(meta(race, 'og:title')).toBe('June <Race> & "Friends" — $1,000.00 wager race');
    expect(meta(race, 'og:description')).toContain('$1,000.00 prize pool over 2 paid places');
    expect(meta(race, 'og:image')).toBe(`${ts.url}/og/race/${raceId}.png`);
    expect(race).not.toContain('<Race>');

    const player = await (await fetch(`${ts.url}/players/p%3C1%3E`)).text();
    expect(meta(player, 'og:title')).toBe('Al "the" <Whale> & Co — Gold VIP on GoatedVIPs');
    expect(meta(player, 'og:description')).toContain('Gold tier with $150,000.00 wagered all time');
    expect(meta(player, 'og:image')).toBe(`${ts.url}/og/player/p%3C1%3E.png`);
    expect(player).not.toContain('<Whale>');

    // A race that does not exist: the page still loads (the app says "not found"), with the site's tags.
    const missing = await fetch(`${ts.url}/races/999999`);
    expect(missing.status).toBe(200);
    expect(meta(await missing.text(), 'og:image')).toBe(`${ts.url}/og/leaderboard.png`);
  });

  it('renders the previews as PNG images, 404 for what does not exist', async () => {
    for (const image of ['/og/leaderboard.png', `/og/race/${raceId}.png`, '/og/player/p%3C1%3E.png']) {
      const res = await fetch(`${ts.url}${image}`);
      expect(res.status, image).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const png = Buffer.from(await res.arrayBuffer());
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      // 1200 × 630, from the IHDR chunk.
      expect(png.readUInt32BE(16)).toBe(1200);
      expect(png.readUInt32BE(20)).toBe(630);
    }
    expect((await fetch(`${ts.url}/og/race/999999.png`)).status).toBe(404);
    expect((await fetch(`${ts.url}/og/player/nobody.png`)).status).toBe(404);
    expect((await fetch(`${ts.url}/og/race/abc.png`)).status).toBe(404);
  });
});
