import { testBackends } from '@goated/testing/db';
import { type Period, periods } from '@goated/validators';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaderboardTop, SEARCH_PLAN, type SearchPlan } from '../src/services/leaderboard';
import { buildTopRanks, topRanksHold } from '../src/services/sync/top-ranks';
import { loadLadder } from '../src/services/vip';
import { createTestApi, insertPlayers, type TestApi } from './fixtures';

/** Amounts with ties, zeros (unranked) and values across the rank buckets. */
const AMOUNTS = ['0', '0.57', '9.99', '10.00', '100.00', '100.00', '109.89', '12300.00', '0', '500.00', '1000000.00'];

/**
 * Name search finds its page one of three ways (issue #22): all matches from the name index when
 * there are few, a walk down the rank index when there are many, and the name index again when
 * the walk finds less than a page within its bound. Each way must give the same page: the
 * matches in board order, with their overall ranks, paged by the cursor without repeats or gaps.
 */
const PLANS: [string, SearchPlan][] = [
  ['the default (few matches here: the name index)', SEARCH_PLAN],
  ['a walk of the rank index', { fewMatches: 3, walkRows: 1000 }],
  ['a walk that gives way to the name index', { fewMatches: 3, walkRows: 4 }],
  ['a walk whose bound ends mid-page', { fewMatches: 1, walkRows: 9 }],
  // A first page sorts only the matches above a wager floor the bucket counts give, and
  // searches again without it when fewer than a page are there.
  ['the name index above a wager floor', { fewMatches: 60, walkRows: 1000 }],
];

/** The highest code point, and the last before the surrogates (which no text holds). */
const MAX = '\u{10FFFF}';
const BEFORE_SURROGATES = '\u{D7FF}';

/**
 * With the edges of the name index's prefix bounds: wildcards and the escape character taken
 * literally, a prefix ending in the highest code point (its bound raises the character before),
 * one of nothing else (no upper bound), one whose next code point would be a surrogate.
 */
const SEARCHES = [
  'pat',
  'PAT 1',
  'pam',
  'p',
  'pat_',
  '%',
  'nobody',
  'q',
  'q\\',
  'q%',
  'q_',
  `q${MAX}`,
  MAX,
  `${MAX}${MAX}`,
  `q${BEFORE_SURROGATES}`,
  'low',
];

function cents(amount: string): bigint {
  return BigInt(amount.replace('.', ''));
}

describe.each(testBackends())('leaderboard name search on %s', (kind) => {
  let t: TestApi;
  const fixtures = [
    ...Array.from({ length: 40 }, (_, i) => ({
      uid: `a${String(i).padStart(3, '0')}`,
      name: `Pat ${i}`,
      today: AMOUNTS[i % AMOUNTS.length],
      week: AMOUNTS[(i * 3) % AMOUNTS.length],
      month: AMOUNTS[(i * 7) % AMOUNTS.length],
      all: AMOUNTS[(i * 5 + 1) % AMOUNTS.length],
    })),
    ...Array.from({ length: 8 }, (_, i) => ({
      uid: `b${i}`,
      name: i % 2 ? `pam ${i}` : `Pat_${i}`,
      today: '2000.00',
      week: AMOUNTS[(i + 4) % AMOUNTS.length],
      month: '100.00',
      all: '1.00',
    })),
    { uid: 'c0', name: 'Zed', today: '9999.00', week: '9999.00', month: '9999.00', all: '9999.00' },
    // Names at the edges of the prefix bounds, and wagers around one fine bucket (12300-12399.99):
    // a rank counts from the bucket's nearer end, ties included.
    ...[
      'q\\x',
      'q%1',
      'q_2',
      'qa',
      'q\\',
      `q${MAX}`,
      `q${MAX}${MAX}z`,
      'r',
      MAX,
      `${MAX}${MAX}`,
      `${MAX}a`,
      `q${BEFORE_SURROGATES}`,
      `q${BEFORE_SURROGATES}x`,
      'q\u{E000}',
    ].map((name, i) => {
      const wager = ['12301.00', '12399.00', '12350.00', '12350.00', '12349.99', '12300.00', '12350.00'][i % 7];
      return { uid: `d${String(i).padStart(2, '0')}`, name, today: wager, week: wager, month: '12350.00', all: wager };
    }),
    // Many matches at the very bottom of the board: above a wager floor taken for so many, none.
    ...Array.from({ length: 20 }, (_, i) => {
      const wager = ((i + 1) / 100).toFixed(2);
      return {
        uid: `e${String(i).padStart(2, '0')}`,
        name: `Low ${i}`,
        today: wager,
        week: wager,
        month: wager,
        all: wager,
      };
    }),
  ];

  beforeAll(async () => {
    t = await createTestApi(kind);
    await insertPlayers(t.deps.db, fixtures);
    // The floor needs the table's size from its statistics (none before the first analyze).
    await t.deps.db.execute(sql`analyze players`);
  });
  afterAll(() => t.close());

  /** The matches of `search` in `period` with their overall ranks, the slow obvious way. */
  function expected(period: Period, search: string): [string, number][] {
    const ranked = fixtures
      .map((f) => ({ uid: f.uid, name: f.name, wager: f[period] ?? '0' }))
      .filter((f) => cents(f.wager) > 0n)
      .sort((a, b) => {
        const d = cents(b.wager) - cents(a.wager);
        return d === 0n ? (a.uid < b.uid ? -1 : 1) : d > 0n ? 1 : -1;
      });
    return ranked
      .map((f, i) => ({ ...f, rank: i + 1 }))
      .filter((f) => f.name.toLowerCase().startsWith(search.toLowerCase()))
      .map((f) => [f.uid, f.rank]);
  }

  /** Every page of every search in every period, paged to the end, against the slow way. */
  async function checkEveryPage(plan: SearchPlan): Promise<void> {
    const ladder = await loadLadder(t.deps.db);
    for (const period of periods) {
      for (const search of SEARCHES) {
        for (const limit of [2, 5]) {
          const seen: [string, number][] = [];
          let cursor: string | null = null;
          do {
            const page = await leaderboardTop(t.deps.db, { period, limit, cursor, search }, ladder, plan);
            expect(page.entries.length).toBeLessThanOrEqual(limit);
            seen.push(...page.entries.map((e): [string, number] => [e.uid, e.rank]));
            cursor = page.nextCursor;
          } while (cursor && seen.length <= fixtures.length);
          expect({ period, search, limit, seen }).toEqual({ period, search, limit, seen: expected(period, search) });
        }
      }
    }
  }

  it.each(PLANS)('gives the same pages by %s', async (_, plan) => {
    // Ranks counted: the ranks of the top of the boards were never built here.
    expect(await topRanksHold(t.deps.db)).toBe(false);
    await checkEveryPage(plan);
  });

  it('gives the same pages with the ranks of the top of the boards built, some rows ranked from there', async () => {
    // 30 per period: part of each page's rows are taken from the table, the rest counted.
    await buildTopRanks(t.deps.db, 30);
    expect(await topRanksHold(t.deps.db)).toBe(true);
    for (const [, plan] of PLANS) await checkEveryPage(plan);
    // Made stale by a write, then counted again: still the same pages.
    await t.deps.db.execute(sql`update players set name = name where uid = 'c0'`);
    expect(await topRanksHold(t.deps.db)).toBe(false);
    await checkEveryPage(SEARCH_PLAN);
  });
});
