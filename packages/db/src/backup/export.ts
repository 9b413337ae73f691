/**
 * Writing a backup: one repeatable-read snapshot read through a cursor, a batch at a time,
 * written with backpressure so memory stays bounded. See `format.ts` for the file's lines.
 */
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { type Db, type DbKind, queryRows } from '../client';
import { countRows, databaseSchemaVersion, listTables, type TableInfo } from './catalog';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BATCH_ROWS,
  type BackupHeader,
  type BackupProgress,
  END_PREFIX,
  TABLE_PREFIX,
  type TableDigest,
} from './format';

function orderBy(table: TableInfo) {
  if (table.key.length === 0) return sql`order by to_jsonb(t)::text`;
  return sql`order by ${sql.join(
    table.key.map((c) => sql.identifier(c)),
    sql`, `,
  )}`;
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
      await write(out, `${TABLE_PREFIX}${name}\n`);
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
  await write(out, `${END_PREFIX}${JSON.stringify({ tables: end })}\n`);
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
