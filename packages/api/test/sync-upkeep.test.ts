/**
 * The vacuum after a sync (services/sync/upkeep.ts): a run that changes players leaves the name
 * search's index readable without visiting the table and the ranks of the top of the boards
 * built, on both engines; one at a time, with one more for changes committed meanwhile; a
 * failure is logged, never thrown.
 */
import { type Db, queryRows } from '@goated/db';
import { waitFor } from '@goated/testing';
import { createTestDb, testBackends } from '@goated/testing/db';
import { upstreamRecord } from '@goated/testing/upstream';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { topRanksHold } from '../src/services/sync/top-ranks';
import { PlayersUpkeep } from '../src/services/sync/upkeep';
import { fixed, pipelineSuite, T1, T2 } from './support/pipeline-suite';

const PLAYERS = 2000;

function feed(at: string, bump: number) {
  return Array.from({ length: PLAYERS }, (_, i) => upstreamRecord(`u${i}`, 100 + i + (i % 10 === 0 ? bump : 0), at));
}

/**
 * Table visits of the index-only read a name search makes (its plan forced to the name index):
 * 0 when every page the matches live on is marked all-visible.
 */
async function heapFetches(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    await tx.execute(sql`set local enable_bitmapscan = off`);
    const plan = await queryRows(
      tx,
      sql`explain (analyze, format json)
        select count(*), sum(wager_month) from players where lower(name) ~>=~ 'player u1' and lower(name) ~<~ 'player u2'`,
    );
    const found = JSON.stringify(plan).match(/"Heap Fetches":\s*(\d+)/);
    if (!found?.[1]) throw new Error('no index-only scan in the plan');
    return Number(found[1]);
  });
}

describe.each(testBackends())('the vacuum after a sync on %s', (kind) => {
  const t = pipelineSuite(kind);

  it("keeps the name search's reads in the index after a run that changed players", async () => {
    // Without it, the changed players' pages are read from the table as well.
    const plain = t.pipeline(fixed(feed(T1, 0)));
    expect(await plain.runOnce()).toMatchObject({ status: 'succeeded', changedPlayers: PLAYERS });
    expect(await heapFetches(t.handle.db)).toBeGreaterThan(0);

    const service = t.pipeline(fixed(feed(T2, 7)), { vacuumAfterChanges: true });
    expect(await service.runOnce()).toMatchObject({ status: 'succeeded', changedPlayers: PLAYERS / 10 });
    await service.upkeep?.idle();
    expect(service.upkeep?.completed).toBe(1);
    expect(await heapFetches(t.handle.db)).toBe(0);
    // And the ranks of the top of the boards are built again: they hold.
    expect(service.upkeep?.ranksBuilt).toBe(1);
    expect(await topRanksHold(t.handle.db)).toBe(true);
    await service.stop();
  });

  it('catches up at start when the ranks of the top of the boards do not hold, and only then', async () => {
    await t.handle.db.execute(
      sql`insert into players (uid, name, wager_month, upstream_updated_at) values ('seeded', 'Seeded', 5, now())`,
    );
    const upkeep = new PlayersUpkeep({ db: t.handle.db, minIntervalMs: 0 });
    upkeep.catchUp();
    await upkeep.idle();
    expect({ vacuums: upkeep.completed, builds: upkeep.ranksBuilt }).toEqual({ vacuums: 1, builds: 1 });
    expect(await topRanksHold(t.handle.db)).toBe(true);
    upkeep.catchUp();
    await upkeep.idle();
    expect({ vacuums: upkeep.completed, builds: upkeep.ranksBuilt }).toEqual({ vacuums: 1, builds: 1 });
    await upkeep.stop();
  });

  it('runs one vacuum at a time, and one more for changes committed while one ran', async () => {
    const upkeep = new PlayersUpkeep({ db: t.handle.db, minIntervalMs: 0 });
    upkeep.changed(5);
    upkeep.changed(3);
    upkeep.changed(0);
    await upkeep.idle();
    expect(upkeep.completed).toBe(2);
    upkeep.changed(0);
    await upkeep.idle();
    expect(upkeep.completed).toBe(2);
    await upkeep.stop();
    upkeep.changed(1);
    await upkeep.idle();
    expect(upkeep.completed).toBe(2);
  });
});

describe('the vacuum after a sync, spaced', () => {
  it('starts the next no sooner than the interval after the last, covering every change meanwhile', async () => {
    const handle = await createTestDb('pglite');
    const starts: number[] = [];
    // The starts of the vacuums of players (not of the builds' vacuums of the top ranks).
    const db = new Proxy(handle.db, {
      get(target, property, receiver) {
        if (property !== 'execute') return Reflect.get(target, property, receiver);
        const execute = target.execute.bind(target);
        return (query: Parameters<typeof execute>[0]) => {
          if (JSON.stringify(query).includes('truncate false) players')) starts.push(performance.now());
          return execute(query);
        };
      },
    });
    try {
      // Builds unspaced here: only the vacuum's spacing is under test.
      const upkeep = new PlayersUpkeep({ db, minIntervalMs: 300, buildIntervalMs: 0 });
      upkeep.changed(1);
      await upkeep.idle();
      upkeep.changed(1);
      upkeep.changed(2);
      await upkeep.idle();
      expect(upkeep.completed).toBe(2);
      expect(starts).toHaveLength(2);
      expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(290);
      // Each write built the top ranks again, without waiting for the vacuum's interval.
      expect(upkeep.ranksBuilt).toBeGreaterThanOrEqual(2);
      // Stopped while one waits for its turn: it never starts.
      upkeep.changed(1);
      await upkeep.stop();
      expect(upkeep.completed).toBe(2);
      expect(starts).toHaveLength(2);
    } finally {
      await handle.close();
    }
  });
});

describe('the build of the top ranks after a sync', () => {
  it('follows each write without waiting for the vacuum, so the ranks hold again right after', async () => {
    const handle = await createTestDb('pglite');
    try {
      await handle.db.execute(
        sql`insert into players (uid, name, wager_month, upstream_updated_at) values ('a', 'A', 5, now())`,
      );
      const upkeep = new PlayersUpkeep({ db: handle.db, buildIntervalMs: 0 });
      upkeep.changed(1);
      await upkeep.idle();
      expect({ vacuums: upkeep.completed, builds: upkeep.ranksBuilt }).toEqual({ vacuums: 1, builds: 1 });
      // A second write within the vacuum's 10 s: built again at once, the vacuum left for later.
      await handle.db.execute(sql`update players set wager_month = 6 where uid = 'a'`);
      expect(await topRanksHold(handle.db)).toBe(false);
      upkeep.changed(1);
      await waitFor(() => upkeep.ranksBuilt === 2, { label: 'the second build' });
      expect(upkeep.completed).toBe(1);
      expect(await topRanksHold(handle.db)).toBe(true);
      // A third while the upkeep waits for the vacuum's turn: woken, it builds at once.
      await handle.db.execute(sql`update players set wager_month = 7 where uid = 'a'`);
      upkeep.changed(1);
      await waitFor(() => upkeep.ranksBuilt === 3, { label: 'the third build', timeoutMs: 3000 });
      expect(upkeep.completed).toBe(1);
      expect(await topRanksHold(handle.db)).toBe(true);
      await upkeep.stop();
      expect(upkeep.completed).toBe(1);
    } finally {
      await handle.close();
    }
  });
});

describe('the vacuum after a sync, when the database refuses', () => {
  it('logs the failure and throws nothing', async () => {
    const warnings: string[] = [];
    // A database that has gone away: every statement is refused.
    const closed = await createTestDb('pglite');
    await closed.close();
    const upkeep = new PlayersUpkeep({ db: closed.db, logger: { warn: (_fields, message) => warnings.push(message) } });
    upkeep.changed(10);
    await upkeep.idle();
    expect(upkeep.completed).toBe(0);
    expect(warnings).toEqual([
      'the vacuum of players after a sync failed',
      'the ranks of the top of the boards were not built; searches count them until the next build',
    ]);
    expect(upkeep.ranksBuilt).toBe(0);
  });
});
