/**
 * Logical backups that work the same on PGlite and PostgreSQL, and double as the way from the
 * embedded default to a real PostgreSQL (back up one, restore into the other).
 *
 * File format (gzip of UTF-8 lines):
 *
 *   #goated-backup {header JSON: format version, schema version, created at, mode, row counts}
 *   #table players
 *   {"uid": "…", …}            one line per row: the row as PostgreSQL's own `to_jsonb(row)`
 *   …
 *   #end {per table: rows and the SHA-256 of its lines}
 *
 * Rows travel as PostgreSQL's JSON text and go back in with `jsonb_populate_recordset`, so no
 * value passes through a JavaScript number or Date: numerics, bigints and microsecond
 * timestamps come back exactly. The export reads one repeatable-read snapshot through a
 * cursor, a batch at a time; the restore writes in batches too, all in one transaction.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { type Db, type DbKind, migrationsFolder, queryRows, type Tx } from './client';

export const BACKUP_FORMAT = 'goated-backup';
export const BACKUP_FORMAT_VERSION = 1;

export interface SchemaVersion {
  /** How many migrations had been applied. */
  migrations: number;
  /** The tag of the latest applied migration (e.g. `0004_wager_days_fillfactor`); null if unknown to this build. */
  latest: string | null;
  /** drizzle's timestamp of the latest applied migration: what orders versions. */
  latestAt: number | null;
}

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  createdAt: string;
  mode: DbKind;
  schema: SchemaVersion;
  tables: { name: string; rows: number }[];
  sequences: { name: string; lastValue: string | null; startValue: string }[];
}

export interface TableDigest {
  rows: number;
  sha256: string;
}

export interface BackupProgress {
  phase: 'backup' | 'restore';
  table: string;
  done: number;
  total: number;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

const BATCH_ROWS = 2000;
const BATCH_BYTES = 4 * 1024 * 1024;

interface JournalEntry {
  idx: number;
  tag: string;
  when: number;
}

/** The migrations this build knows, oldest first. */
export function knownMigrations(): JournalEntry[] {
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as {
    entries: JournalEntry[];
  };
  return journal.entries.map(({ idx, tag, when }) => ({ idx, tag, when }));
}

/** The latest migration this build would apply. */
export function codeSchemaVersion(): SchemaVersion {
  const entries = knownMigrations();
  const last = entries.at(-1);
  return { migrations: entries.length, latest: last?.tag ?? null, latestAt: last?.when ?? null };
}

/** The schema version of a database, from drizzle's migration table (zero when never migrated). */
export async function databaseSchemaVersion(db: Db | Tx): Promise<SchemaVersion> {
  const [exists] = await queryRows<{ present: boolean }>(
    db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (!exists?.present) return { migrations: 0, latest: null, latestAt: null };
  const [row] = await queryRows<{ n: number | string; latest: number | string | null }>(
    db,
    sql`select count(*) as n, max(created_at) as latest from drizzle.__drizzle_migrations`,
  );
  const latestAt = row?.latest == null ? null : Number(row.latest);
  const known = knownMigrations().find((m) => m.when === latestAt);
  return { migrations: Number(row?.n ?? 0), latest: known?.tag ?? null, latestAt };
}

function describe(version: SchemaVersion): string {
  if (version.latestAt === null) return 'no migrations';
  return version.latest ?? `an unknown migration from ${new Date(version.latestAt).toISOString()}`;
}

interface TableInfo {
  name: string;
  /** Primary-key columns, for a stable row order. */
  key: string[];
}

/** Application tables (schema `public`), in name order. */
async function listTables(db: Db | Tx): Promise<TableInfo[]> {
  const rows = await queryRows<{ name: string; key: string[] | null }>(
    db,
    sql`select c.relname as name,
          (select array_agg(a.attname order by k.ord)
             from pg_index i
             cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
             join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
            where i.indrelid = c.oid and i.indisprimary) as key
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p')
       order by c.relname`,
  );
  return rows.map((r) => ({ name: r.name, key: parseNameArray(r.key) }));
}

/** postgres.js hands `name[]` back as an array; PGlite may give the `{a,b}` literal. */
function parseNameArray(value: string[] | string | null): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  return value
    .replace(/^\{|\}$/g, '')
    .split(',')
    .filter(Boolean)
    .map((s) => s.replace(/^"|"$/g, ''));
}

function orderBy(table: TableInfo) {
  if (table.key.length === 0) return sql`order by to_jsonb(t)::text`;
  return sql`order by ${sql.join(
    table.key.map((c) => sql.identifier(c)),
    sql`, `,
  )}`;
}

async function countRows(db: Db | Tx, table: string): Promise<number> {
  const [row] = await queryRows<{ n: number | string }>(db, sql`select count(*) as n from ${sql.identifier(table)}`);
  return Number(row?.n ?? 0);
}

/**
 * Reads every table in one consistent snapshot, a batch of rows at a time, in primary-key
 * order, each row as PostgreSQL's JSON text. Used by the backup and by `tableDigests`.
 */
async function readSnapshot(
  db: Db,
  visit: {
    start(header: Omit<BackupHeader, 'format' | 'formatVersion' | 'createdAt' | 'mode'>): Promise<void>;
    table(name: string): Promise<void>;
    rows(name: string, rows: string[]): Promise<void>;
  },
): Promise<void> {
  await db.transaction(async (tx) => {
    // One snapshot for every table (PostgreSQL; PGlite is one session anyway), and a fixed
    // time zone so timestamps are written the same way whatever the server's setting.
    await tx.execute(sql`set transaction isolation level repeatable read, read only`);
    await tx.execute(sql`set local time zone 'UTC'`);
    const schemaVersion = await databaseSchemaVersion(tx);
    const tables = await listTables(tx);
    const counted: BackupHeader['tables'] = [];
    for (const t of tables) counted.push({ name: t.name, rows: await countRows(tx, t.name) });
    const sequences = await queryRows<{
      name: string;
      last_value: string | number | null;
      start_value: string | number;
    }>(
      tx,
      sql`select sequencename as name, last_value, start_value from pg_sequences where schemaname = 'public' order by sequencename`,
    );
    await visit.start({
      schema: schemaVersion,
      tables: counted,
      sequences: sequences.map((s) => ({
        name: s.name,
        lastValue: s.last_value === null ? null : String(s.last_value),
        startValue: String(s.start_value),
      })),
    });
    for (const table of tables) {
      await visit.table(table.name);
      await tx.execute(
        sql`declare goated_backup no scroll cursor for select to_jsonb(t)::text as row from ${sql.identifier(table.name)} as t ${orderBy(table)}`,
      );
      for (;;) {
        const batch = await queryRows<{ row: string }>(tx, sql.raw(`fetch forward ${BATCH_ROWS} from goated_backup`));
        if (batch.length === 0) break;
        await visit.rows(
          table.name,
          batch.map((r) => r.row),
        );
        if (batch.length < BATCH_ROWS) break;
      }
      await tx.execute(sql`close goated_backup`);
    }
  });
}

/**
 * Writes `text` and waits when the stream's buffer is full, so memory stays bounded. Rejects
 * when the stream fails or closes first (a client that went away), so the snapshot
 * transaction ends instead of waiting for a drain that never comes.
 */
function write(out: Writable, text: string): Promise<void> {
  if (out.destroyed || out.writableEnded) return Promise.reject(new Error('backup output closed'));
  if (out.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(new Error('backup output closed'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

export interface BackupOptions {
  mode: DbKind;
  onProgress?: (progress: BackupProgress) => void;
}

/**
 * Writes a backup of the whole database to `out` (uncompressed lines: pipe it through gzip).
 * Resolves with the header once everything is written; does not end `out`.
 */
export async function writeBackup(db: Db, out: Writable, options: BackupOptions): Promise<BackupHeader> {
  let header: BackupHeader | undefined;
  const digests: Record<string, { rows: number; hash: ReturnType<typeof createHash> }> = {};
  let total = 0;
  await readSnapshot(db, {
    start: async (snapshot) => {
      header = {
        format: BACKUP_FORMAT,
        formatVersion: BACKUP_FORMAT_VERSION,
        createdAt: new Date().toISOString(),
        mode: options.mode,
        ...snapshot,
      };
      await write(out, `#${BACKUP_FORMAT} ${JSON.stringify(header)}\n`);
    },
    table: async (name) => {
      digests[name] = { rows: 0, hash: createHash('sha256') };
      total = header?.tables.find((t) => t.name === name)?.rows ?? 0;
      options.onProgress?.({ phase: 'backup', table: name, done: 0, total });
      await write(out, `#table ${name}\n`);
    },
    rows: async (name, rows) => {
      const digest = digests[name];
      if (!digest) throw new Error(`rows for ${name} before its table line`);
      const text = `${rows.join('\n')}\n`;
      digest.hash.update(text);
      digest.rows += rows.length;
      await write(out, text);
      options.onProgress?.({ phase: 'backup', table: name, done: digest.rows, total });
    },
  });
  const end: Record<string, TableDigest> = {};
  for (const [name, d] of Object.entries(digests)) end[name] = { rows: d.rows, sha256: d.hash.digest('hex') };
  await write(out, `#end ${JSON.stringify({ tables: end })}\n`);
  if (!header) throw new Error('backup produced no header');
  return header;
}

/**
 * Row count and a checksum of every table's rows (as JSON, in primary-key order): equal
 * digests mean equal data. Tests compare a database before backup and after restore.
 */
export async function tableDigests(db: Db): Promise<Record<string, TableDigest>> {
  const hashes: Record<string, { rows: number; hash: ReturnType<typeof createHash> }> = {};
  await readSnapshot(db, {
    start: async () => {},
    table: async (name) => {
      hashes[name] = { rows: 0, hash: createHash('sha256') };
    },
    rows: async (name, rows) => {
      const h = hashes[name];
      if (!h) return;
      h.rows += rows.length;
      h.hash.update(`${rows.join('\n')}\n`);
    },
  });
  return Object.fromEntries(
    Object.entries(hashes).map(([n, h]) => [n, { rows: h.rows, sha256: h.hash.digest('hex') }]),
  );
}

/** Splits a byte stream into lines, pulling (so a slow consumer slows the reader). */
async function* lines(input: Readable): AsyncGenerator<string> {
  let rest = '';
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    rest += chunk;
    let nl = rest.indexOf('\n');
    while (nl !== -1) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      nl = rest.indexOf('\n');
    }
  }
  if (rest) yield rest;
}

function parseHeader(line: string | undefined): BackupHeader {
  const prefix = `#${BACKUP_FORMAT} `;
  if (!line?.startsWith(prefix)) {
    throw new BackupError('Not a GoatedVIPs backup file (no "#goated-backup" header after decompression).');
  }
  const header = JSON.parse(line.slice(prefix.length)) as BackupHeader;
  if (header.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new BackupError(
      `This backup uses file format ${header.formatVersion}; this build reads up to ${BACKUP_FORMAT_VERSION}. Restore it with a newer version of GoatedVIPs.`,
    );
  }
  return header;
}

/** Refuses a backup whose schema is newer than (or unknown to) this build. */
export function checkRestorable(header: BackupHeader): void {
  const code = codeSchemaVersion();
  const backup = header.schema;
  const known = knownMigrations();
  if (backup.latestAt !== null && (code.latestAt === null || backup.latestAt > code.latestAt)) {
    throw new BackupError(
      `This backup has a newer database schema (${describe(backup)}, ${backup.migrations} migrations) than this build of GoatedVIPs knows (${describe(code)}, ${code.migrations} migrations). Upgrade the code to a version that has that migration, then restore.`,
    );
  }
  if (backup.latestAt !== null && !known.some((m) => m.when === backup.latestAt)) {
    throw new BackupError(
      `This backup's schema (${describe(backup)}) is not one of this build's migrations; restore it with the version of GoatedVIPs that made it.`,
    );
  }
}

/** Reads and checks only the header of a backup (uncompressed lines): refuses early, cheaply. */
export async function readBackupHeader(input: Readable): Promise<BackupHeader> {
  const first = await lines(input)[Symbol.asyncIterator]().next();
  input.destroy();
  const header = parseHeader(first.done ? undefined : first.value);
  checkRestorable(header);
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
  checkRestorable(header);
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
      if (line.startsWith('#table ')) {
        await flush();
        table = line.slice('#table '.length);
        if (!targetTables.has(table)) {
          throw new BackupError(`The backup has a table "${table}" that its schema version does not create.`);
        }
        loaded.set(table, { rows: 0, hash: createHash('sha256') });
        options.onProgress?.({ phase: 'restore', table, done: 0, total: expected.get(table) ?? 0 });
      } else if (line.startsWith('#end ')) {
        await flush();
        ended = (JSON.parse(line.slice('#end '.length)) as { tables: Record<string, TableDigest> }).tables;
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
