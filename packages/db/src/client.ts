import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index';

export type Schema = typeof schema;

/** The one drizzle API the rest of the code sees, whichever engine is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle: same query API as `Db`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type DbKind = 'pglite' | 'postgres';

export interface DbConfig {
  /** postgres:// URL. Absent → embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data folder (embedded mode). Absent → in-memory. */
  dataDir?: string | undefined;
  /** postgres.js pool size. */
  poolMax?: number | undefined;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean | undefined;
  /** An existing PGlite instance to wrap (tests clone a migrated template). */
  pglite?: PGlite | undefined;
}

/** The connection pool as the database sees it (for metrics). */
export interface PoolUsage {
  /** Connections the pool may open. */
  max: number;
  /** Open connections of this pool by state (`active`, `idle`, `idle in transaction`, …). */
  connections: Record<string, number>;
}

export interface DbHandle {
  db: Db;
  kind: DbKind;
  /**
   * The pool's connections by state, read from `pg_stat_activity` (one short query; the
   * query's own connection counts as `active`). PGlite: one in-process session.
   */
  poolUsage(): Promise<PoolUsage>;
  /** Round-trip to the database; throws when it is unreachable. */
  ping(): Promise<void>;
  /**
   * Takes a session-level advisory lock on a connection of its own and keeps it until the
   * returned release function runs (or the process dies: the connection closes and the server
   * lets go). Resolves null when another session holds it. PGlite has one session, where
   * advisory locks always succeed, so there the lock is kept per PGlite instance in memory.
   */
  tryAdvisoryLock(key: number): Promise<ReleaseLock | null>;
  close(): Promise<void>;
}

export type ReleaseLock = () => Promise<void>;

export const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

// Any fixed number works; it only has to be the same for every instance of the server.
const MIGRATION_LOCK_ID = 7_220_001;

export async function createDb(config: DbConfig = {}): Promise<DbHandle> {
  const shouldMigrate = config.migrate ?? true;

  if (config.databaseUrl) {
    const max = config.poolMax ?? 10;
    // Names this pool's connections, so pg_stat_activity tells them from other processes'.
    const applicationName = `goated:${process.pid}:${randomUUID().slice(0, 8)}`;
    const client = postgres(config.databaseUrl, {
      max,
      connection: { application_name: applicationName },
      idle_timeout: 30,
      connect_timeout: 10,
      // Reconnect quickly after an outage: postgres.js's default backoff grows to 20 s, holding
      // queued queries that long. Cap it at 1 s so callers get a prompt answer either way.
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
      onnotice: () => {},
    });
    const db = drizzlePostgres(client, { schema });
    const handle: DbHandle = {
      db: db as unknown as Db,
      kind: 'postgres',
      ping: async () => {
        await client`select 1`;
      },
      tryAdvisoryLock: (key) => tryPostgresAdvisoryLock(client, key),
      poolUsage: async () => {
        const rows = await client<{ state: string | null; count: number }[]>`
          select state, count(*)::int as count from pg_stat_activity
          where application_name = ${applicationName} group by state`;
        const connections: Record<string, number> = {};
        for (const row of rows) connections[row.state ?? 'unknown'] = row.count;
        return { max, connections };
      },
      close: () => client.end({ timeout: 5 }),
    };
    if (shouldMigrate) {
      try {
        await migrateWithLock(client, () => migratePostgres(db, { migrationsFolder }));
      } catch (err) {
        await handle.close();
        throw err;
      }
    }
    return handle;
  }

  let pg = config.pglite;
  if (!pg) {
    if (config.dataDir) mkdirSync(path.dirname(path.resolve(config.dataDir)), { recursive: true });
    pg = config.dataDir ? new PGlite(path.resolve(config.dataDir)) : new PGlite();
  }
  const pglite = pg;
  const db = drizzlePglite(pglite, { schema });
  if (shouldMigrate) await migratePglite(db, { migrationsFolder });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    ping: async () => {
      await pglite.query('select 1');
    },
    tryAdvisoryLock: async (key) => tryInProcessLock(pglite, key),
    poolUsage: async () => ({ max: 1, connections: { open: 1 } }),
    close: () => pglite.close(),
  };
}

/** Several instances may start at once; only one applies migrations, the others wait. */
async function migrateWithLock(client: postgres.Sql, run: () => Promise<void>): Promise<void> {
  const conn = await client.reserve();
  try {
    await conn`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      await run();
    } finally {
      await conn`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    }
  } finally {
    conn.release();
  }
}

async function tryPostgresAdvisoryLock(client: postgres.Sql, key: number): Promise<ReleaseLock | null> {
  const conn = await client.reserve();
  try {
    const [row] = await conn<{ locked: boolean }[]>`select pg_try_advisory_lock(${key}) as locked`;
    if (!row?.locked) {
      conn.release();
      return null;
    }
  } catch (err) {
    conn.release();
    throw err;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    try {
      await conn`select pg_advisory_unlock(${key})`;
    } finally {
      conn.release();
    }
  };
}

const pgliteLocks = new WeakMap<PGlite, Set<number>>();

function tryInProcessLock(pglite: PGlite, key: number): ReleaseLock | null {
  let held = pgliteLocks.get(pglite);
  if (!held) {
    held = new Set();
    pgliteLocks.set(pglite, held);
  }
  if (held.has(key)) return null;
  held.add(key);
  const locks = held;
  return async () => {
    locks.delete(key);
  };
}

/** `db.execute` returns `{ rows }` on PGlite and an array on postgres.js; this evens it out. */
export async function queryRows<T extends Record<string, unknown>>(
  db: Db | Tx,
  query: ReturnType<typeof sql>,
): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as T[];
  if (result && typeof result === 'object' && 'rows' in result && Array.isArray(result.rows)) {
    return result.rows as T[];
  }
  throw new Error('Unexpected result shape from db.execute');
}
