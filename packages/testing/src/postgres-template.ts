/**
 * A migrated template database on the real PostgreSQL server, so a test database is a copy
 * (`create database … template …`, well under a second) instead of a fresh database migrated
 * from scratch (seconds each, and there are dozens per run). One template per set of
 * migrations, named after their hash: a branch with other migrations gets its own, and a stale
 * template is never used. Built by whichever process asks first; the others wait on a lock.
 */
import { createDb } from '@goated/db';
import postgres from 'postgres';
import { migrationsHash } from './migrations-hash';

// Any fixed number: it only has to be the same for every process building the template.
const TEMPLATE_LOCK_ID = 7_220_002;

/** `adminUrl` pointed at another database of the same server. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

let template: Promise<string> | undefined;

/** The name of the migrated template database for the committed migrations (built if missing). */
export function migratedPostgresTemplate(adminUrl: string): Promise<string> {
  template ??= buildTemplate(adminUrl).catch((error: unknown) => {
    template = undefined; // let the next test try again rather than fail on a cached rejection
    throw error;
  });
  return template;
}

async function buildTemplate(adminUrl: string): Promise<string> {
  const name = `goated_template_${migrationsHash()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const conn = await admin.reserve();
    try {
      // Ready only once marked as a template, which happens after the last migration.
      const ready = async () =>
        (await conn<{ ready: boolean }[]>`select datistemplate as ready from pg_database where datname = ${name}`)[0]
          ?.ready === true;
      if (await ready()) return name;
      await conn`select pg_advisory_lock(${TEMPLATE_LOCK_ID})`;
      try {
        if (!(await ready())) {
          // A half-built one was left by a process that died while building it.
          await conn.unsafe(`drop database if exists "${name}" with (force)`);
          await conn.unsafe(`create database "${name}"`);
          const handle = await createDb({ databaseUrl: databaseUrl(adminUrl, name), poolMax: 1 });
          await handle.close();
          await conn.unsafe(`alter database "${name}" with is_template true`);
        }
      } finally {
        await conn`select pg_advisory_unlock(${TEMPLATE_LOCK_ID})`;
      }
      return name;
    } finally {
      conn.release();
    }
  } finally {
    await admin.end();
  }
}
