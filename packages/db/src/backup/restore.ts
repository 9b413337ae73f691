/**
 * Restoring a backup into one transaction: the schema at the backup's version, every table
 * loaded in batches, sequences set, every count and checksum checked before the commit.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { type Db, migrationsFolder, queryRows } from '../client';
import { countRows, listTables } from './catalog';
import {
  BATCH_BYTES,
  BATCH_ROWS,
  BackupError,
  type BackupHeader,
  type BackupProgress,
  checkRestorable,
  END_PREFIX,
  lines,
  parseEnd,
  parseHeader,
  TABLE_PREFIX,
  type TableDigest,
} from './format';

/** Reads and checks only the header of a backup (uncompressed lines): refuses early, cheaply. */
export async function readBackupHeader(input: Readable): Promise<BackupHeader> {
  const first = await lines(input)[Symbol.asyncIterator]().next();
  input.destroy();
  const header = parseHeader(first.done ? undefined : first.value);
  checkRestorable(header.schema);
  return header;
}

export interface RestoreOptions {
  /** Drop whatever the target holds first. Without it a target with data is refused. */
  wipe?: boolean;
  onProgress?: (progress: BackupProgress) => void;
  /** Told the header as soon as it is read (e.g. to print what is being restored). */
  onHeader?: (header: BackupHeader) => void;
}

/** Tables of the target that hold rows (application tables only). */
async function tablesWithData(db: Db): Promise<string[]> {
  const tables = await listTables(db);
  const full: string[] = [];
  for (const t of tables) if ((await countRows(db, t.name)) > 0) full.push(t.name);
  return full;
}

/**
 * Restores `input` (uncompressed lines) into `db` in one transaction: recreates the schema at
 * the backup's version, loads every table, sets the sequences, checks every count and
 * checksum, and commits only if all of it holds. Migrations newer than the backup are left to
 * the normal start-up migration (`createDb`). Refuses a backup from a newer schema, and a
 * target that holds data unless `wipe` is set.
 */
export async function restoreBackup(db: Db, input: Readable, options: RestoreOptions = {}): Promise<BackupHeader> {
  const reader = lines(input)[Symbol.asyncIterator]();
  const first = await reader.next();
  const header = parseHeader(first.done ? undefined : first.value);
  checkRestorable(header.schema);
  options.onHeader?.(header);

  if (!options.wipe) {
    const full = await tablesWithData(db);
    if (full.length > 0) {
      throw new BackupError(
        `The target database is not empty (rows in ${full.join(', ')}). Restore into an empty database, or pass --wipe to replace its contents.`,
      );
    }
  }

  const migrations = readMigrationFiles({ migrationsFolder }).filter(
    (m) => header.schema.latestAt !== null && m.folderMillis <= header.schema.latestAt,
  );
  const expected = new Map(header.tables.map((t) => [t.name, t.rows]));

  await db.transaction(async (tx) => {
    await tx.execute(sql`set local time zone 'UTC'`);
    // A clean schema at exactly the backup's version.
    await tx.execute(sql`drop schema if exists drizzle cascade`);
    await tx.execute(sql`drop schema if exists public cascade`);
    await tx.execute(sql`create schema public`);
    await tx.execute(sql`create schema drizzle`);
    await tx.execute(
      sql`create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`,
    );
    for (const m of migrations) {
      for (const statement of m.sql) if (statement.trim()) await tx.execute(sql.raw(statement));
      await tx.execute(
        sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${m.hash}, ${m.folderMillis})`,
      );
    }

    // Load like pg_restore: foreign keys after the data (so no load order is needed, even for
    // self-references), and no user triggers (derived tables such as leaderboard_buckets
    // come from the backup itself, not from triggers firing on the restored rows).
    const foreignKeys = await queryRows<{ tbl: string; name: string; def: string }>(
      tx,
      sql`select c.relname as tbl, k.conname as name, pg_get_constraintdef(k.oid) as def
            from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
           where k.contype = 'f' and n.nspname = 'public'`,
    );
    for (const fk of foreignKeys) {
      await tx.execute(sql`alter table ${sql.identifier(fk.tbl)} drop constraint ${sql.identifier(fk.name)}`);
    }
    const targetTables = new Set((await listTables(tx)).map((t) => t.name));
    for (const name of targetTables) await tx.execute(sql`alter table ${sql.identifier(name)} disable trigger user`);

    const loaded = new Map<string, { rows: number; hash: ReturnType<typeof createHash> }>();
    let table: string | null = null;
    let batch: string[] = [];
    let batchBytes = 0;
    let ended: Record<string, TableDigest> | null = null;

    const flush = async () => {
      if (!table || batch.length === 0) return;
      const state = loaded.get(table);
      if (!state) throw new Error(`no state for ${table}`);
      state.hash.update(`${batch.join('\n')}\n`);
      await tx.execute(
        sql`insert into ${sql.identifier(table)} select * from jsonb_populate_recordset(null::${sql.identifier(table)}, ${`[${batch.join(',')}]`}::jsonb)`,
      );
      state.rows += batch.length;
      batch = [];
      batchBytes = 0;
      options.onProgress?.({ phase: 'restore', table, done: state.rows, total: expected.get(table) ?? 0 });
    };

    for (;;) {
      const next = await reader.next();
      if (next.done) break;
      const line = next.value;
      if (line.startsWith(TABLE_PREFIX)) {
        await flush();
        table = line.slice(TABLE_PREFIX.length);
        if (!targetTables.has(table)) {
          throw new BackupError(`The backup has a table "${table}" that its schema version does not create.`);
        }
        loaded.set(table, { rows: 0, hash: createHash('sha256') });
        options.onProgress?.({ phase: 'restore', table, done: 0, total: expected.get(table) ?? 0 });
      } else if (line.startsWith(END_PREFIX)) {
        await flush();
        ended = parseEnd(line);
        break;
      } else if (line.length > 0) {
        if (!table) throw new BackupError('The backup has rows before any "#table" line.');
        batch.push(line);
        batchBytes += line.length;
        if (batch.length >= BATCH_ROWS || batchBytes >= BATCH_BYTES) await flush();
      }
    }
    if (!ended) throw new BackupError('The backup file is truncated: it has no "#end" line. Nothing was restored.');

    for (const seq of header.sequences) {
      const value = seq.lastValue ?? seq.startValue;
      await tx.execute(
        sql`select setval(format('public.%I', ${seq.name}::text)::regclass, ${value}::bigint, ${seq.lastValue !== null})`,
      );
    }
    for (const name of targetTables) await tx.execute(sql`alter table ${sql.identifier(name)} enable trigger user`);
    // Re-adding the foreign keys validates every reference.
    for (const fk of foreignKeys) {
      await tx.execute(
        sql`alter table ${sql.identifier(fk.tbl)} add constraint ${sql.identifier(fk.name)} ${sql.raw(fk.def)}`,
      );
    }

    for (const [name, digest] of Object.entries(ended)) {
      const got = loaded.get(name);
      if (!got || got.rows !== digest.rows || got.hash.digest('hex') !== digest.sha256) {
        throw new BackupError(
          `The backup file is damaged: table "${name}" does not match its checksum. Nothing was restored.`,
        );
      }
    }
    for (const [name, rows] of expected) {
      const now = await countRows(tx, name);
      if (now !== rows) {
        throw new BackupError(
          `Table "${name}" has ${now} rows after the restore, the backup says ${rows}. Nothing was restored.`,
        );
      }
    }
  });
  return header;
}
