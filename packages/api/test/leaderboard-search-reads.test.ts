import { type Db, queryRows } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import type { Period } from '@goated/validators';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaderboardTop, SEARCH_PLAN, type SearchPlan } from '../src/services/leaderboard';
import { loadLadder } from '../src/services/vip';
import { createTestApi, insertPlayers, type TestApi } from './fixtures';

/**
 * What a name search reads (migrations 0019, 0020, 0022), counted by PostgreSQL's own per-transaction
 * statistics around one call of `leaderboard_search()`: the table's rows visited, and the entries
 * returned by the name index, by the period's name index by wager level and by its rank index. The pages themselves are checked
 * against the slow way in leaderboard-search.test.ts; these pin how they are found.
 */
interface Reads extends Record<string, unknown> {
  /** Rows the call returned (up to the page + 1). */
  rows: number;
  /** Rows of the players table fetched through an index (an index-only scan fetches none). */
  heap: number;
  /** Entries returned by the name index. */
  names: number;
  /** Entries returned by the period's name index by wager level (migration 0022). */
  levels: number;
  /** Entries returned by the period's rank index. */
  ranks: number;
  /** The first row's rank (its players ahead + 1). */
  first_rank: number | null;
}

const RANK_INDEX: Record<Period, string> = {
  today: 'players_rank_today_idx',
  week: 'players_rank_week_idx',
  month: 'players_rank_month_idx',
  all: 'players_rank_all_time_idx',
};
const LEVEL_INDEX: Record<Period, string> = {
  today: 'players_name_today_idx',
  week: 'players_name_week_idx',
  month: 'players_name_month_idx',
  all: 'players_name_all_time_idx',
};

/**
 * One search in one statement: the counters before (a materialized CTE, read first), the call
 * (evaluated for that row), the counters after. Pending statistics are only flushed between
 * statements, so the difference is this call's.
 */
async function reads(db: Db, period: Period, search: string, plan: SearchPlan): Promise<Reads> {
  const rankIndex = RANK_INDEX[period];
  const levelIndex = LEVEL_INDEX[period];
  const [row] = await queryRows<Reads>(
    db,
    sql`with b as materialized (
        select pg_stat_get_xact_tuples_fetched('players'::regclass) as heap,
          pg_stat_get_xact_tuples_returned('players_name_search_idx'::regclass) as names,
          pg_stat_get_xact_tuples_returned(${rankIndex}::regclass) as ranks,
          pg_stat_get_xact_tuples_returned(${levelIndex}::regclass) as levels
      ), s as materialized (
        select b.*, (select array_agg(r.ahead) from leaderboard_search(${period}, ${search}, null, null, 10,
          ${plan.fewMatches}, ${plan.walkRows}) r where b.heap is not null) as aheads from b
      )
      select coalesce(cardinality(s.aheads), 0)::int as rows,
        (pg_stat_get_xact_tuples_fetched('players'::regclass) - s.heap)::int as heap,
        (pg_stat_get_xact_tuples_returned('players_name_search_idx'::regclass) - s.names)::int as names,
        (pg_stat_get_xact_tuples_returned(${rankIndex}::regclass) - s.ranks)::int as ranks,
        (pg_stat_get_xact_tuples_returned(${levelIndex}::regclass) - s.levels)::int as levels,
        (s.aheads[1] + 1)::int as first_rank
      from s`,
  );
  if (!row) throw new Error('no row');
  return row;
}

describe.each(testBackends())('what a name search reads, on %s', (kind) => {
  let t: TestApi;

  beforeAll(async () => {
    t = await createTestApi(kind);
    const amount = (n: number) => `${n}.00`;
    await insertPlayers(t.deps.db, [
      // The top of every board: 300 names that the searches below do not match.
      ...Array.from({ length: 300 }, (_, i) => {
        const w = amount(1000 + i);
        return { uid: `a${String(i).padStart(3, '0')}`, name: `Top ${i}`, today: w, week: w, month: w, all: w };
      }),
      // 30 matches of "walk", all below them.
      ...Array.from({ length: 30 }, (_, i) => {
        const w = amount(i + 1);
        return { uid: `w${String(i).padStart(2, '0')}`, name: `Walk ${i}`, today: w, week: w, month: w, all: w };
      }),
      // 200 players tied at 2.00 a month, and one more whose uid sorts second among them.
      ...Array.from({ length: 200 }, (_, i) => ({
        uid: `t${String(i).padStart(3, '0')}`,
        name: `Tie ${i}`,
        month: '2.00',
        all: '0',
      })),
      { uid: 't0005', name: 'Needle', month: '2.00', all: '0' },
      // Today only: 20 matches of "spread" above the 300 at the top, 400 far below them.
      ...Array.from({ length: 420 }, (_, i) => ({
        uid: `s${String(i).padStart(3, '0')}`,
        name: `Spread ${i}`,
        today: i < 20 ? amount(5000 + i) : '2.00',
      })),
      // 3,000 matches of "many" at the bottom of the month's board: ~30 of them in the sample.
      ...Array.from({ length: 3000 }, (_, i) => ({
        uid: `m${String(i).padStart(4, '0')}`,
        name: `Many ${i}`,
        month: '0.50',
        all: '0',
      })),
    ]);
    // All-visible pages (so that index-only scans stay in the index) and the table's size.
    await t.deps.db.execute(sql`vacuum analyze players`);
  });
  afterAll(() => t.close());

  it('walks the rank index without visiting the table for each row it passes', async () => {
    const walk: SearchPlan = { fewMatches: 3, walkRows: 1000 };
    for (const period of ['week', 'all'] as const) {
      await reads(t.deps.db, period, 'walk', walk); // plans made and kept for the session
      const r = await reads(t.deps.db, period, 'walk', walk);
      expect(r.rows).toBe(11);
      expect(r.first_rank).toBe(301);
      // Passing the 300 players above the matches cost a visit each before; now only the rows
      // kept are looked up (for their all-time wager; none for `all`, whose wager it is).
      expect(r.ranks).toBeGreaterThanOrEqual(311);
      expect(r.heap).toBeLessThanOrEqual(11);
    }
  });

  it('reads only the matches in the top wager levels on a first page, not every match', async () => {
    await reads(t.deps.db, 'today', 'spread', SEARCH_PLAN);
    const r = await reads(t.deps.db, 'today', 'spread', SEARCH_PLAN);
    expect(r.rows).toBe(11);
    expect(r.first_rank).toBe(1);
    // The floor (the lowest top bucket reaching 8 * 11 * ~4,000 / 2,000 players) is 1,100:
    // levels 5,000 and 1,000. The 20 matches at 5,000-5,019 are read; the 400 at 2.00 are not,
    // and the name index is not read at all (before: all 420 matches, to count them).
    expect(r.levels).toBe(20);
    expect(r.names).toBe(0);
    expect(r.heap).toBe(0);
    // A level holds every match in it: "top"'s 300 at 1,000-1,299, of which 200 are at or
    // above the floor. Below the 20 "spread" players at the top of today's board.
    const top = await reads(t.deps.db, 'today', 'top', SEARCH_PLAN);
    expect(top.first_rank).toBe(21);
    expect(top.levels).toBe(300);
    expect(top.names).toBe(0);
  });

  it('counts the matches when too few are at or above the floor, then reads them from the name index', async () => {
    // "walk": 30 matches at 1.00-30.00, far below today's floor of 1,100.
    await reads(t.deps.db, 'today', 'walk', SEARCH_PLAN);
    const r = await reads(t.deps.db, 'today', 'walk', SEARCH_PLAN);
    expect(r.rows).toBe(11);
    expect(r.first_rank).toBe(20 + 300 + 1);
    expect(r.levels).toBe(0);
    // Counted (30), then the few-matches way's read of them (30).
    expect(r.names).toBe(60);
  });

  it('walks without counting the matches when the sample shows many', async () => {
    const plan: SearchPlan = { fewMatches: 500, walkRows: 20_000 };
    // The sample's matches (hashtext(uid) % 100 = 0), which these uids decide once and for all:
    // at least fewMatches / 50 of them, the migration's threshold.
    const [sample] = await queryRows<{ n: number }>(
      t.deps.db,
      sql`select count(*)::int as n from players where lower(name) like 'many%' and hashtext(uid) % 100 = 0`,
    );
    expect(sample?.n).toBeGreaterThanOrEqual(plan.fewMatches / 50);
    await reads(t.deps.db, 'month', 'many', plan);
    const r = await reads(t.deps.db, 'month', 'many', plan);
    expect(r.rows).toBe(11);
    // Above them: the 300 at the top, the 30 "walk" matches and the 201 tied at 2.00.
    expect(r.first_rank).toBe(300 + 30 + 201 + 1);
    // No name-index entry read (before: 500, the count up to fewMatches), and the walk.
    expect(r.names).toBe(0);
    expect(r.ranks).toBeGreaterThanOrEqual(300 + 30 + 201 + 11);
    // The pages it gives: the matches in board order (tied at 0.50: by uid) with their ranks.
    const ladder = await loadLadder(t.deps.db);
    const first = await leaderboardTop(t.deps.db, { period: 'month', limit: 10, search: 'many' }, ladder, plan);
    const second = await leaderboardTop(
      t.deps.db,
      { period: 'month', limit: 10, search: 'many', cursor: first.nextCursor },
      ladder,
      plan,
    );
    expect([...first.entries, ...second.entries].map((e) => [e.uid, e.rank])).toEqual(
      Array.from({ length: 20 }, (_, i) => [`m${String(i).padStart(4, '0')}`, 532 + i]),
    );
    // The level read came first (its floor from ~100 matches per sampled one), found no match
    // there, and gave way to the walk.
    expect(r.levels).toBe(0);
    // A prefix with few matches is still not walked, whatever the sample says: its 300 matches
    // read by level (the floor lower with a smaller fewMatches), none counted.
    const few = await reads(t.deps.db, 'today', 'top', plan);
    expect(few.rows).toBe(11);
    expect(few.levels).toBe(300);
    expect(few.names).toBe(0);
    expect(few.ranks).toBeLessThan(300);
  });

  it('counts a rank inside a crowded tie from its nearer end', async () => {
    await reads(t.deps.db, 'month', 'needle', SEARCH_PLAN);
    const r = await reads(t.deps.db, 'month', 'needle', SEARCH_PLAN);
    expect(r.rows).toBe(1);
    // Above it: the 300 at the top, the 28 "walk" matches above 2.00, and t000 in the tie.
    expect(r.first_rank).toBe(300 + 28 + 1 + 1);
    // Counted from the tie's upper end: t000 (and the tie's first and last uid for the
    // estimate); before, from the lower end: the 200 ties at or after its uid.
    expect(r.ranks).toBeLessThan(20);
  });
});

describe.each(testBackends())('a name search with many matches, on %s', (kind) => {
  let t: TestApi;
  // 2,000 matches of "wide" at 1.00-2,000.00 a month, and as many other names at 0.50 below them.
  const wide = Array.from({ length: 2000 }, (_, i) => ({
    uid: `w${String(i).padStart(4, '0')}`,
    name: `Wide ${i}`,
    month: `${i + 1}.00`,
  }));
  const plan: SearchPlan = { fewMatches: 500, walkRows: 20_000 };

  beforeAll(async () => {
    t = await createTestApi(kind);
    await insertPlayers(t.deps.db, [
      ...wide,
      ...Array.from({ length: 2000 }, (_, i) => ({
        uid: `o${String(i).padStart(4, '0')}`,
        name: `Other ${i}`,
        month: '0.50',
      })),
    ]);
    await t.deps.db.execute(sql`vacuum analyze players`);
  });
  afterAll(() => t.close());

  it('reads the top levels with a floor from the sample, then walks for the pages after', async () => {
    const [sample] = await queryRows<{ n: number }>(
      t.deps.db,
      sql`select count(*)::int as n from players where lower(name) like 'wide%' and hashtext(uid) % 100 = 0`,
    );
    // Many by the sample (p_few / 50 or more), but fewer than p_few / 5: a floor from its estimate.
    expect(sample?.n).toBeGreaterThanOrEqual(plan.fewMatches / 50);
    expect(sample?.n).toBeLessThan(plan.fewMatches / 5);
    await reads(t.deps.db, 'month', 'wide', plan);
    const r = await reads(t.deps.db, 'month', 'wide', plan);
    expect(r.rows).toBe(11);
    expect(r.first_rank).toBe(1);
    // Only the levels at or above the floor (1,000 and 2,000: 1,001 matches), not the 2,000, and
    // neither the count nor the walk.
    expect(r.levels).toBeGreaterThan(0);
    expect(r.levels).toBeLessThanOrEqual(1001);
    expect(r.names).toBe(0);
    expect(r.ranks).toBeLessThan(100);
    // The pages: the matches in board order with their ranks, the later ones by the walk.
    const ladder = await loadLadder(t.deps.db);
    const seen: [string, number][] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 3; page++) {
      const result = await leaderboardTop(
        t.deps.db,
        { period: 'month', limit: 10, search: 'wide', cursor },
        ladder,
        plan,
      );
      seen.push(...result.entries.map((e): [string, number] => [e.uid, e.rank]));
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => [`w${String(1999 - i).padStart(4, '0')}`, i + 1]));
  });
});
