/**
 * The ranks of the top of the boards (migration 0023, services/sync/top-ranks.ts): built from the
 * board as it stands, read by `leaderboard_ahead_each()` (a name search's page) only while no
 * write to the players has happened since, and then the same numbers as counting them. The
 * search's pages with the table built are checked in leaderboard-search.test.ts. The same build
 * copies the bucket counts with the players above each bucket (migration 0024), which
 * `leaderboard_ahead()` (a player's rank) reads under the same condition.
 */
import { type Db, queryRows } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { type Period, periods } from '@goated/validators';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTopRanks, topRanksHold } from '../src/services/sync/top-ranks';
import { createTestApi, insertPlayers, type TestApi } from './fixtures';

/** Amounts with ties and zeros (unranked), over several rank buckets. */
const AMOUNTS = ['0', '0.57', '9.99', '10.00', '100.00', '100.00', '109.89', '12300.00', '12350.00', '500.00'];

const fixtures = Array.from({ length: 120 }, (_, i) => ({
  uid: `p${String((i * 37) % 120).padStart(3, '0')}`,
  today: AMOUNTS[i % AMOUNTS.length],
  week: AMOUNTS[(i * 3) % AMOUNTS.length],
  month: AMOUNTS[(i * 7) % AMOUNTS.length],
  all: String(1000 + (i % 17)),
}));

function cents(amount: string): bigint {
  return BigInt(amount.replace('.', ''));
}

/** Players ahead of each ranked player of `period`, the slow obvious way. */
function aheadOf(period: Period): Map<string, { wager: string; ahead: number }> {
  const ranked = fixtures
    .map((f) => ({ uid: f.uid, wager: f[period] ?? '0' }))
    .filter((f) => cents(f.wager) > 0n)
    .sort((a, b) => {
      const d = cents(b.wager) - cents(a.wager);
      return d === 0n ? (a.uid < b.uid ? -1 : 1) : d > 0n ? 1 : -1;
    });
  return new Map(ranked.map((f, i) => [f.uid, { wager: f.wager, ahead: i }]));
}

/** `leaderboard_ahead_each()` for these players at these wagers. */
async function aheadEach(db: Db, period: Period, keys: { uid: string; wager: string }[]): Promise<number[]> {
  const [row] = await queryRows<{ aheads: (number | string)[] | null }>(
    db,
    sql`select leaderboard_ahead_each(${period}, ${`{${keys.map((k) => k.wager).join(',')}}`}::numeric[],
      ${`{${keys.map((k) => k.uid).join(',')}}`}::text[]) as aheads`,
  );
  return (row?.aheads ?? []).map(Number);
}

/** `leaderboard_ahead()`: one player's rank - 1 at this wager. */
async function aheadOne(db: Db, period: Period, key: { uid: string; wager: string }): Promise<number> {
  const [row] = await queryRows<{ ahead: number | string }>(
    db,
    sql`select leaderboard_ahead(${period}, ${key.wager}::numeric, ${key.uid}) as ahead`,
  );
  return Number(row?.ahead);
}

/** Every ranked player's `leaderboard_ahead()` in every period, beside the slow obvious way. */
async function everyAhead(db: Db): Promise<{ got: number[]; want: number[] }> {
  const got: number[] = [];
  const want: number[] = [];
  for (const period of periods) {
    for (const [uid, { wager, ahead }] of aheadOf(period)) {
      got.push(await aheadOne(db, period, { uid, wager }));
      want.push(ahead);
    }
  }
  return { got, want };
}

describe.each(testBackends())('the ranks of the top of the boards on %s', (kind) => {
  let t: TestApi;

  beforeEach(async () => {
    t = await createTestApi(kind);
    await insertPlayers(t.deps.db, fixtures);
  });
  afterEach(() => t.close());

  it('gives the counted ranks, whether a player is in the table or beyond it', async () => {
    expect(await topRanksHold(t.deps.db)).toBe(false);
    // 25 per period: the rest of each board's ~100 ranked players are counted.
    const built = await buildTopRanks(t.deps.db, 25);
    expect(built).toBe(100);
    expect(await topRanksHold(t.deps.db)).toBe(true);
    // Built again with nothing written since: it already holds, nothing to do.
    expect(await buildTopRanks(t.deps.db, 25)).toBe(0);
    expect(await topRanksHold(t.deps.db)).toBe(true);
    for (const period of periods) {
      const truth = aheadOf(period);
      const keys = [...truth.entries()].map(([uid, { wager }]) => ({ uid, wager }));
      // Pages of ten in board order, and one of every tenth player across the board.
      for (let i = 0; i < keys.length; i += 10) {
        const page = keys.slice(i, i + 10);
        expect(await aheadEach(t.deps.db, period, page)).toEqual(page.map((k) => truth.get(k.uid)?.ahead));
      }
      const spread = keys.filter((_, i) => i % 10 === 3);
      expect(await aheadEach(t.deps.db, period, spread)).toEqual(spread.map((k) => truth.get(k.uid)?.ahead));
    }
    expect(await aheadEach(t.deps.db, 'month', [])).toEqual([]);
  });

  it('is read while it holds, and not after a write to the players', async () => {
    await buildTopRanks(t.deps.db, 25);
    const [top] = [...aheadOf('all').entries()];
    if (!top) throw new Error('no ranked player');
    const [uid, { wager }] = top;
    // A wrong rank put into the table by hand is what comes back: the table is read.
    await t.deps.db.execute(sql`update leaderboard_top_ranks set ahead = 77 where period = 'all' and uid = ${uid}`);
    expect(await aheadEach(t.deps.db, 'all', [{ uid, wager }])).toEqual([77]);
    // Asked about another wager than the one ranked, it counts.
    expect(await aheadEach(t.deps.db, 'all', [{ uid, wager: '1.00' }])).toEqual([120]);
    // A write that changes no player leaves it holding.
    await t.deps.db.execute(sql`update players set name = 'x' where uid = 'nobody'`);
    expect(await topRanksHold(t.deps.db)).toBe(true);
    // Any write to a player, even of another player's name, ends it: counted again.
    await t.deps.db.execute(sql`update players set name = 'renamed' where uid = 'p119'`);
    expect(await topRanksHold(t.deps.db)).toBe(false);
    expect(await aheadEach(t.deps.db, 'all', [{ uid, wager }])).toEqual([0]);
    // Built again: holds, and right.
    await buildTopRanks(t.deps.db, 25);
    expect(await aheadEach(t.deps.db, 'all', [{ uid, wager }])).toEqual([0]);
  });

  it("gives a player's rank from the buckets' copy while it holds, and sums them after a write", async () => {
    const before = await everyAhead(t.deps.db);
    expect(before.got).toEqual(before.want);
    await buildTopRanks(t.deps.db, 25);
    const [copied] = await queryRows<{ rows: number | string }>(
      t.deps.db,
      sql`select count(*) as rows from leaderboard_buckets_above`,
    );
    expect(Number(copied?.rows)).toBeGreaterThan(0);
    const built = await everyAhead(t.deps.db);
    expect(built.got).toEqual(built.want);
    // A player at 12300.00 in 'month' (bucket 12,000-12,999, shared with 12350.00): 1,000 more
    // players above that bucket, put into the copy by hand, is what comes back: the copy is read.
    const [holder] = [...aheadOf('month').entries()].filter(([, f]) => f.wager === '12300.00');
    if (!holder) throw new Error('no player at 12300.00');
    const [uid, { wager, ahead }] = holder;
    await t.deps.db.execute(
      sql`update leaderboard_buckets_above set above = above + 1000 where period = 'month' and bucket = 12000`,
    );
    expect(await aheadOne(t.deps.db, 'month', { uid, wager })).toBe(ahead + 1000);
    // Any write to the players ends it: summed from the live counts again.
    await t.deps.db.execute(sql`update players set name = 'renamed' where uid = 'p119'`);
    expect(await aheadOne(t.deps.db, 'month', { uid, wager })).toBe(ahead);
    // Built again: a fresh copy, right again.
    await buildTopRanks(t.deps.db, 25);
    const rebuilt = await everyAhead(t.deps.db);
    expect(rebuilt.got).toEqual(rebuilt.want);
  });

  it('is ended by inserts, deletes, truncation and a rolled-back write', async () => {
    // Sequences are not rolled back: a write rolled back counts as one.
    await buildTopRanks(t.deps.db, 25);
    await expect(
      t.deps.db.transaction(async (tx) => {
        await tx.execute(sql`update players set wager_all_time = 1 where uid = 'p001'`);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await topRanksHold(t.deps.db)).toBe(false);
    const writes = [
      sql`insert into players (uid, name, wager_all_time, upstream_updated_at) values ('new', 'New', 5, now())`,
      sql`delete from players where uid = 'p001'`,
      sql`truncate players cascade`,
    ];
    for (const write of writes) {
      await buildTopRanks(t.deps.db, 25);
      expect(await topRanksHold(t.deps.db)).toBe(true);
      await t.deps.db.execute(write);
      expect(await topRanksHold(t.deps.db)).toBe(false);
    }
  });
});

describe.runIf(testBackends().includes('postgres'))('the ranks of the top of the boards beside writers', () => {
  let t: TestApi;

  beforeEach(async () => {
    t = await createTestApi('postgres');
    await insertPlayers(t.deps.db, fixtures);
  });
  afterEach(() => t.close());

  /** A transaction that has written a player and stays open until `release` is called. */
  function openWriter(db: Db) {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let wrote = () => {};
    const written = new Promise<void>((resolve) => {
      wrote = resolve;
    });
    const done = db.transaction(async (tx) => {
      await tx.execute(sql`update players set wager_all_time = 5000 where uid = 'p000'`);
      wrote();
      await held;
    });
    return { written, release, done };
  }

  it('waits for a transaction writing the players, and ranks what it committed', async () => {
    const writer = openWriter(t.deps.db);
    await writer.written;
    let finished = false;
    const build = buildTopRanks(t.deps.db, 25).then((rows) => {
      finished = true;
      return rows;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(finished).toBe(false);
    writer.release();
    await writer.done;
    expect(await build).toBe(100);
    expect(await topRanksHold(t.deps.db)).toBe(true);
    expect(await aheadEach(t.deps.db, 'all', [{ uid: 'p000', wager: '5000.00' }])).toEqual([0]);
  });

  it('gives up after its lock timeout while a writer stays open, and leaves the ranks counted', async () => {
    await buildTopRanks(t.deps.db, 25);
    const writer = openWriter(t.deps.db);
    await writer.written;
    try {
      await expect(buildTopRanks(t.deps.db, 25)).rejects.toMatchObject({
        cause: { message: expect.stringMatching(/lock timeout/) },
      });
    } finally {
      writer.release();
      await writer.done;
    }
    expect(await topRanksHold(t.deps.db)).toBe(false);
    expect(await aheadEach(t.deps.db, 'all', [{ uid: 'p000', wager: '5000.00' }])).toEqual([0]);
  });
});
