/**
 * The PostgreSQL driver (postgres.js 3.4.9, patched: patches/postgres@3.4.9.patch) after a query
 * that stopped part-way through its rows. Unpatched, the connection's row counter was reset only
 * by a query's completion: rows a failed or severed query had already received shifted the next
 * query's rows along, so a one-row answer came back as `[ <2 empty items>, row ]` — a session
 * lookup then read as "no session" during a database blip (porsager/postgres#1119).
 */
import { testBackends } from '@goated/testing/db';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';

const url = process.env.DATABASE_URL;

describe.runIf(testBackends().includes('postgres') && url)('postgres.js after a query fails mid-stream', () => {
  it('answers the next query on the same connection with its own rows only', async () => {
    const sql = postgres(url ?? '', { max: 1, onnotice: () => {} });
    try {
      // Two rows reach the client, then division by zero fails the statement on the third.
      await expect(sql`select 10 / (3 - g) as q from generate_series(1, 5) g`).rejects.toThrow(/division by zero/);
      const rows = await sql`select 1 as one`;
      expect([...rows]).toEqual([{ one: 1 }]);
      // The same through a prepared statement (the pool's default), twice.
      for (let i = 0; i < 2; i++) {
        await expect(sql`select 10 / (3 - g) as q from generate_series(1, ${5}) g`).rejects.toThrow();
        expect([...(await sql`select ${i}::int as i`)]).toEqual([{ i }]);
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
