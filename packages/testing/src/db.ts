import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { createDb, type DbHandle, type DbKind, type DbTimeouts, queryRows } from '@goated/db';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { migratedPgliteTemplate } from './pglite-template';
import { databaseUrl, migratedPostgresTemplate } from './postgres-template';

/**
 * The database engines a test suite must pass on: PGlite always, the real PostgreSQL when
 * DATABASE_URL is set. Under CI the real database is mandatory, so a missing URL fails loudly
 * instead of quietly testing less.
 */
export function testBackends(): DbKind[] {
  if (process.env.DATABASE_URL) return ['pglite', 'postgres'];
  if (process.env.CI === 'true') {
    throw new Error('CI=true but DATABASE_URL is not set: the real-PostgreSQL test run is mandatory under CI.');
  }
  return ['pglite'];
}

/** A fresh, migrated, empty database of the given kind, dropped again on `close()`. */
export async function createTestDb(kind: DbKind, options: { timeouts?: Partial<DbTimeouts> } = {}): Promise<DbHandle> {
  if (kind === 'pglite') {
    const template = await migratedPgliteTemplate();
    const clone = await template.clone();
    if (!(clone instanceof PGlite)) throw new Error('PGlite.clone() returned an unexpected type');
    return createDb({ pglite: clone, migrate: false });
  }

  // A copy of the migrated template: the same schema as migrating it, without the wait.
  const fresh = await createTestDatabaseUrl({ migrated: true });
  const handle = await createDb({
    databaseUrl: fresh.url,
    poolMax: 5,
    migrate: false,
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
  });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await fresh.drop();
    },
  };
}

function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required for the postgres test backend');
  return url;
}

/**
 * URL of a fresh database on the real server, for tests that start a whole server process:
 * empty (the server migrates it on start, as in production), or with `migrated` a copy of the
 * migrated template (the server's own migration finds nothing to do: a faster start where
 * migrating is not what the test is about).
 */
export async function createTestDatabaseUrl(
  options: { migrated?: boolean } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const template = options.migrated ? await migratedPostgresTemplate(adminUrl()) : undefined;
  const name = `goated_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"${template ? ` template "${template}"` : ''}`);
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(adminUrl(), name),
    drop: async () => {
      const dropper = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/**
 * Two handles on one fresh database, as two server instances have: on PostgreSQL two pools
 * on the same database (closing the second leaves the database; `close()` of the pair drops
 * it); on PGlite, which is one in-process session, the same handle twice.
 */
export async function createSharedTestDb(
  kind: DbKind,
): Promise<{ first: DbHandle; second: DbHandle; close(): Promise<void> }> {
  const first = await createTestDb(kind);
  if (kind === 'pglite') return { first, second: first, close: () => first.close() };
  const [row] = await queryRows<{ name: string }>(first.db, sql`select current_database() as name`);
  const second = await createDb({ databaseUrl: databaseUrl(adminUrl(), row?.name ?? ''), poolMax: 5, migrate: false });
  return {
    first,
    second,
    close: async () => {
      await second.close();
      await first.close();
    },
  };
}
