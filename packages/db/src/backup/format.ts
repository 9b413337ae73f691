/**
 * The backup file format, and the schema versions a header carries.
 *
 * A backup is a gzip of UTF-8 lines:
 *
 *   #goated-backup {header JSON: format version, schema version, created at, mode, row counts}
 *   #table players
 *   {"uid": "…", …}            one line per row: the row as PostgreSQL's own `to_jsonb(row)`
 *   …
 *   #end {per table: rows and the SHA-256 of its lines}
 *
 * Rows travel as PostgreSQL's JSON text and go back in with `jsonb_populate_recordset`, so no
 * value passes through a JavaScript number or Date: numerics, bigints and microsecond
 * timestamps come back exactly. The header and the end line come from a file, so they are
 * checked with zod before anything trusts them.
 */
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { migrationsFolder } from '../client';

export const BACKUP_FORMAT = 'goated-backup';
export const BACKUP_FORMAT_VERSION = 1;

/** Rows per batch, both ways; a restore also flushes a batch past `BATCH_BYTES`. */
export const BATCH_ROWS = 2000;
export const BATCH_BYTES = 4 * 1024 * 1024;

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

const schemaVersionSchema = z.object({
  /** How many migrations had been applied. */
  migrations: z.number().int().nonnegative(),
  /** The tag of the latest applied migration (e.g. `0004_wager_days_fillfactor`); null if unknown to this build. */
  latest: z.string().nullable(),
  /** drizzle's timestamp of the latest applied migration: what orders versions. */
  latestAt: z.number().int().nullable(),
});
export type SchemaVersion = z.infer<typeof schemaVersionSchema>;

const backupHeaderSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int().positive(),
  createdAt: z.string(),
  mode: z.enum(['pglite', 'postgres']),
  schema: schemaVersionSchema,
  tables: z.array(z.object({ name: z.string().min(1), rows: z.number().int().nonnegative() })),
  sequences: z.array(z.object({ name: z.string().min(1), lastValue: z.string().nullable(), startValue: z.string() })),
});
export type BackupHeader = z.infer<typeof backupHeaderSchema>;

const tableDigestSchema = z.object({ rows: z.number().int().nonnegative(), sha256: z.string() });
export type TableDigest = z.infer<typeof tableDigestSchema>;

const endLineSchema = z.object({ tables: z.record(z.string(), tableDigestSchema) });

export interface BackupProgress {
  phase: 'backup' | 'restore';
  table: string;
  done: number;
  total: number;
}

/** JSON from a file line, checked against `schema`; a bad line names what is wrong in it. */
function parseLine<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BackupError(`The backup file is damaged: its ${what} is not valid JSON.`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'it';
    throw new BackupError(
      `The backup file is damaged: in its ${what}, ${field} is not what a backup holds (${issue?.message ?? 'invalid'}).`,
    );
  }
  return parsed.data;
}

/** The first line of a backup: refuses a file that is not one, or from a newer file format. */
export function parseHeader(line: string | undefined): BackupHeader {
  const prefix = `#${BACKUP_FORMAT} `;
  if (!line?.startsWith(prefix)) {
    throw new BackupError('Not a GoatedVIPs backup file (no "#goated-backup" header after decompression).');
  }
  const version = parseLine(z.object({ formatVersion: z.number() }), line.slice(prefix.length), 'header');
  if (version.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new BackupError(
      `This backup uses file format ${version.formatVersion}; this build reads up to ${BACKUP_FORMAT_VERSION}. Restore it with a newer version of GoatedVIPs.`,
    );
  }
  return parseLine(backupHeaderSchema, line.slice(prefix.length), 'header');
}

export const END_PREFIX = '#end ';
export const TABLE_PREFIX = '#table ';

/** The `#end` line's per-table digests. */
export function parseEnd(line: string): Record<string, TableDigest> {
  return parseLine(endLineSchema, line.slice(END_PREFIX.length), '"#end" line').tables;
}

/** Splits a byte stream into lines, pulling (so a slow consumer slows the reader). */
export async function* lines(input: Readable): AsyncGenerator<string> {
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

const journalSchema = z.object({
  entries: z.array(z.object({ idx: z.number(), tag: z.string(), when: z.number() })),
});
type JournalEntry = z.infer<typeof journalSchema>['entries'][number];

/** The migrations this build knows, oldest first. */
export function knownMigrations(): JournalEntry[] {
  const journal = journalSchema.parse(JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')));
  return journal.entries.map(({ idx, tag, when }) => ({ idx, tag, when }));
}

/** The latest migration this build would apply. */
export function codeSchemaVersion(): SchemaVersion {
  const entries = knownMigrations();
  const last = entries.at(-1);
  return { migrations: entries.length, latest: last?.tag ?? null, latestAt: last?.when ?? null };
}

function describe(version: SchemaVersion): string {
  if (version.latestAt === null) return 'no migrations';
  return version.latest ?? `an unknown migration from ${new Date(version.latestAt).toISOString()}`;
}

/** Refuses a backup whose schema is newer than (or unknown to) this build. */
export function checkRestorable(schema: SchemaVersion): void {
  const code = codeSchemaVersion();
  const known = knownMigrations();
  if (schema.latestAt !== null && (code.latestAt === null || schema.latestAt > code.latestAt)) {
    throw new BackupError(
      `This backup has a newer database schema (${describe(schema)}, ${schema.migrations} migrations) than this build of GoatedVIPs knows (${describe(code)}, ${code.migrations} migrations). Upgrade the code to a version that has that migration, then restore.`,
    );
  }
  if (schema.latestAt !== null && !known.some((m) => m.when === schema.latestAt)) {
    throw new BackupError(
      `This backup's schema (${describe(schema)}) is not one of this build's migrations; restore it with the version of GoatedVIPs that made it.`,
    );
  }
}
