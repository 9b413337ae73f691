import { createDb, queryRows } from '@goated/db';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

/** `shared_buffers` as the database reports it, in bytes (its unit is 8 kB pages). */
async function sharedBuffersBytes(options: Parameters<typeof createDb>[0]): Promise<number> {
  const handle = await createDb({ ...options, migrate: false });
  try {
    const [row] = await queryRows<{ setting: string }>(
      handle.db,
      sql`select setting from pg_settings where name = 'shared_buffers'`,
    );
    return Number(row?.setting) * 8192;
  } finally {
    await handle.close();
  }
}

describe('the embedded database (PGlite) settings', () => {
  it('takes the buffer pool size it is given, and keeps its own 128 MB otherwise', async () => {
    expect(await sharedBuffersBytes({ pgliteSharedBuffers: '16MB' })).toBe(16 * 1024 * 1024);
    expect(await sharedBuffersBytes({})).toBe(128 * 1024 * 1024);
  }, 60_000);
});
