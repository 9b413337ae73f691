/**
 * Queries drizzle sends through postgres.js run as named prepared statements (`createDb`'s
 * default): postgres.js sends an unnamed statement with parameters in two round trips (Parse and
 * Describe, then Bind and Execute), a named one it has seen on the connection in one. The
 * server's `pg_prepared_statements` lists a session's named statements, so each test reads it
 * on the pool's one connection after the queries it checks.
 */
import { createDb, type DbHandle, queryRows } from '@goated/db';
import { players } from '@goated/db/schema';
import { createTestDatabaseUrl, testBackends } from '@goated/testing/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

async function preparedTexts(handle: DbHandle): Promise<string[]> {
  const rows = await queryRows<{ statement: string }>(handle.db, sql`select statement from pg_prepared_statements`);
  return rows.map((row) => row.statement);
}

describe.runIf(testBackends().includes('postgres'))('named prepared statements on PostgreSQL', () => {
  let fresh: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
  beforeAll(async () => {
    fresh = await createTestDatabaseUrl({ migrated: true });
  });
  afterAll(async () => {
    await fresh.drop();
  });

  async function withDb(preparedStatements: boolean | undefined, run: (handle: DbHandle) => Promise<void>) {
    const handle = await createDb({ databaseUrl: fresh.url, poolMax: 1, migrate: false, preparedStatements });
    try {
      await run(handle);
    } finally {
      await handle.close();
    }
  }

  it('prepares db.execute, the query builder, a transaction and a savepoint', async () => {
    await withDb(undefined, async (handle) => {
      const { db } = handle;
      expect(await queryRows(db, sql`select ${1}::int as one`)).toEqual([{ one: 1 }]);
      await db.select({ uid: players.uid }).from(players).where(eq(players.uid, 'nobody'));
      await db.transaction(async (tx) => {
        await tx.execute(sql`select ${2}::int as two`);
        await tx.transaction(async (savepoint) => {
          await savepoint.execute(sql`select ${3}::int as three`);
        });
      });
      const texts = await preparedTexts(handle);
      expect(texts).toContain('select $1::int as one');
      expect(texts.some((text) => /from "players" where "players"\."uid" = \$1/.test(text))).toBe(true);
      expect(texts).toContain('select $1::int as two');
      expect(texts).toContain('select $1::int as three');
      // Run again, the same statement answers (Bind and Execute alone).
      expect(await queryRows(db, sql`select ${4}::int as one`)).toEqual([{ one: 4 }]);
    });
  });

  it('prepares nothing when turned off (a pooler that cannot keep them)', async () => {
    await withDb(false, async (handle) => {
      expect(await queryRows(handle.db, sql`select ${5}::int as five`)).toEqual([{ five: 5 }]);
      await handle.ping();
      expect(await preparedTexts(handle)).toEqual([]);
    });
  });

  it("survives a change of a prepared statement's result type", async () => {
    await withDb(undefined, async ({ db }) => {
      await db.execute(sql`create table prepared_probe (a int)`);
      await db.execute(sql`insert into prepared_probe values (1)`);
      const read = () => queryRows(db, sql`select * from prepared_probe where a = ${1}`);
      expect(await read()).toEqual([{ a: 1 }]);
      await db.execute(sql`alter table prepared_probe add column b text default 'x'`);
      // The server refuses the cached plan ("cached plan must not change result type");
      // postgres.js prepares it again and retries.
      expect(await read()).toEqual([{ a: 1, b: 'x' }]);
      await db.execute(sql`drop table prepared_probe`);
    });
  });
});
