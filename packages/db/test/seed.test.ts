import { createTestDatabaseUrl, createTestDb, testBackends } from '@goated/testing/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle, queryRows } from '../src/client';
import { seedDemoData, seedDemoDataIfEmpty } from '../src/seed';

const counts = (handle: DbHandle) =>
  queryRows<{ players: number; days: number; races: number }>(
    handle.db,
    sql`select (select count(*) from players)::int as players, (select count(*) from player_wager_days)::int as days,
      (select count(*) from races)::int as races`,
  );

describe.each(testBackends())('demo data on %s', (kind) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb(kind);
  }, 120_000);
  afterAll(() => handle?.close());

  it('seeds an empty database once; seeding if empty leaves a filled one alone', async () => {
    const summary = await seedDemoDataIfEmpty(handle.db, { players: 50, days: 5, seed: 1 });
    expect(summary).toMatchObject({ players: 50, races: 3 });
    const [after] = await counts(handle);
    expect(await seedDemoDataIfEmpty(handle.db, { players: 50, days: 5, seed: 2 })).toBeNull();
    expect(await counts(handle)).toEqual([after]);
  });
});

describe.each(testBackends().filter((kind) => kind === 'postgres'))('demo data, two instances at once, on %s', () => {
  it('two instances starting together on one empty database: one seeds, the other waits and leaves it', async () => {
    const database = await createTestDatabaseUrl();
    const a = await createDb({ databaseUrl: database.url, poolMax: 2 });
    const b = await createDb({ databaseUrl: database.url, poolMax: 2 });
    try {
      const results = await Promise.all([
        seedDemoDataIfEmpty(a.db, { players: 200, days: 5, seed: 1 }),
        seedDemoDataIfEmpty(b.db, { players: 200, days: 5, seed: 1 }),
      ]);
      expect(results.filter((r) => r === null)).toHaveLength(1);
      const alone = await createTestDb('postgres');
      try {
        await seedDemoData(alone.db, { players: 200, days: 5, seed: 1 });
        expect((await counts(a))[0]).toEqual((await counts(alone))[0]);
      } finally {
        await alone.close();
      }
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  }, 120_000);
});
