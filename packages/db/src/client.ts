import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
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
import { withPreparedStatements } from './prepared';
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
  /** Bounds on every database call (PostgreSQL only; see `DbTimeouts`). */
  timeouts?: Partial<DbTimeouts> | undefined;
  /**
   * Named prepared statements (PostgreSQL only; default true): one round trip per query instead
   * of two (see `withPreparedStatements`). Off for a pooler that cannot keep them (PgBouncer
   * before 1.21, or without `max_prepared_statements`, in transaction mode).
   */
  preparedStatements?: boolean | undefined;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean | undefined;
  /** An existing PGlite instance to wrap (tests clone a migrated template). */
  pglite?: PGlite | undefined;
  /**
   * PGlite's `shared_buffers` ("16MB"); absent → PGlite's own (128 MB). Its WebAssembly memory
   * holds the whole buffer pool once touched and never shrinks, so this is most of what an
   * embedded server's memory can give back.
   */
  pgliteSharedBuffers?: string | undefined;
}

/**
 * No database call waits forever: opening a connection, a statement, a transaction left idle,
 * and a connection that stopped answering each have a bound.
 */
export interface DbTimeouts {
  /** Opening a connection, TLS and authentication included. */
  connectMs: number;
  /** One statement, enforced by the server (`statement_timeout`); also bounds lock waits. */
  statementMs: number;
  /** A transaction left open without a statement (`idle_in_transaction_session_timeout`). */
  idleInTransactionMs: number;
  /**
   * A connection that was sent a request and has not answered with a single byte for this long
   * is dead (a peer gone without a reset, a NAT that forgot the mapping): it is destroyed, and
   * what waited on it fails as a connection error (SERVICE_UNAVAILABLE to clients). Longer than
   * `statementMs`, so the server's own timeout always answers first for a slow statement.
   */
  unansweredMs: number;
}

/**
 * For operator commands (backup, restore, seed): a restore's index and foreign-key builds may
 * rightly run for minutes, and nobody waits on them but the operator. 0 turns a bound off.
 */
export const OPERATOR_DB_TIMEOUTS: Partial<DbTimeouts> = { statementMs: 0, idleInTransactionMs: 0, unansweredMs: 0 };

export const DEFAULT_DB_TIMEOUTS: DbTimeouts = {
  connectMs: 5_000,
  statementMs: 15_000,
  idleInTransactionMs: 60_000,
  unansweredMs: 20_000,
};

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
    const timeouts = { ...DEFAULT_DB_TIMEOUTS, ...config.timeouts };
    const options = {
      max,
      connection: {
        application_name: applicationName,
        statement_timeout: timeouts.statementMs,
        idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
      },
      idle_timeout: 30,
      connect_timeout: timeouts.connectMs / 1000,
      // TCP keepalive after 5 s of silence (libuv then probes every second, ten times): a peer
      // that vanished is noticed on an idle connection too.
      keep_alive: 5,
      // Reconnect quickly after an outage: postgres.js's default backoff grows to 20 s, holding
      // queued queries that long. Cap it at 1 s so callers get a prompt answer either way.
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
      // (postgres.js fetches array types on each new connection; a failure there went unhandled
      // and killed the process: patched, see patches/postgres@3.4.9.patch.)
      onnotice: () => {},
      // postgres.js's own tagged queries (ping, locks, pool usage) follow the same setting.
      prepare: config.preparedStatements !== false,
      ...(timeouts.unansweredMs > 0 ? { socket: watchedSocket(timeouts.unansweredMs) } : {}),
    };
    const client = postgres(config.databaseUrl, options);
    const db = drizzlePostgres(config.preparedStatements === false ? client : withPreparedStatements(client), {
      schema,
    });
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
        await migrateWithLock(config.databaseUrl, timeouts);
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
    const settings = config.pgliteSharedBuffers
      ? { postgresqlconf: [`shared_buffers = ${config.pgliteSharedBuffers}`] }
      : {};
    pg = config.dataDir ? new PGlite(path.resolve(config.dataDir), settings) : new PGlite(settings);
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

/** What postgres.js hands a custom `socket` function: where to connect. */
interface SocketTarget {
  host: string[];
  port: number[];
  path?: string | undefined;
}

/**
 * postgres.js's `socket` option (undocumented in its types, read in connection.js): a plain TCP
 * (or unix) socket, with a watchdog for requests never answered — see `DbTimeouts.unansweredMs`.
 * Without TLS only: with TLS, postgres.js hands the socket to node:tls, whose reads and writes
 * no longer pass here (the watchdog stays idle), and keepalive and `statement_timeout` remain.
 */
function watchedSocket(unansweredMs: number) {
  return (target: SocketTarget): net.Socket => {
    const socket = target.path
      ? net.connect(target.path)
      : net.connect(target.port[0] ?? 5432, target.host[0] ?? '127.0.0.1');
    // Since when a request has been waiting for its first byte back (null: nothing waiting).
    let waitingSince: number | null = null;
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      timer = undefined;
      if (waitingSince === null) return;
      const waited = performance.now() - waitingSince;
      if (waited >= unansweredMs) {
        socket.destroy(Object.assign(new Error('the database did not answer in time'), { code: 'ETIMEDOUT' }));
        return;
      }
      timer = setTimeout(check, unansweredMs - waited);
      timer.unref();
    };
    const write = socket.write.bind(socket);
    socket.write = ((...args: Parameters<net.Socket['write']>) => {
      if (waitingSince === null) {
        waitingSince = performance.now();
        if (!timer) {
          timer = setTimeout(check, unansweredMs);
          timer.unref();
        }
      }
      return write(...args);
    }) as net.Socket['write'];
    // Through emit rather than a listener: postgres.js removes every listener before TLS.
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'data') waitingSince = null;
      else if (event === 'close') clearTimeout(timer);
      return emit(event, ...args);
    }) as net.Socket['emit'];
    return socket;
  };
}

/**
 * Several instances may start at once; only one applies migrations, the others wait. On a pool
 * of its own without the statement bounds: a migration may rightly run long, and so may the
 * wait for another instance's.
 */
async function migrateWithLock(databaseUrl: string, timeouts: DbTimeouts): Promise<void> {
  const client = postgres(databaseUrl, {
    max: 2,
    connect_timeout: timeouts.connectMs / 1000,
    keep_alive: 5,
    onnotice: () => {},
  });
  try {
    const conn = await client.reserve();
    try {
      await conn`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
      try {
        await migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder });
      } finally {
        await conn`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
      }
    } finally {
      conn.release();
    }
  } finally {
    await client.end({ timeout: 5 });
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
