/** What a backup reads from the database's catalog: schema version, tables, row counts. */
import { sql } from 'drizzle-orm';
import { type Db, queryRows, type Tx } from '../client';
import { knownMigrations, type SchemaVersion } from './format';

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

export interface TableInfo {
  name: string;
  /** Primary-key columns, for a stable row order. */
  key: string[];
}

/** Application tables (schema `public`), in name order. */
export async function listTables(db: Db | Tx): Promise<TableInfo[]> {
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

export async function countRows(db: Db | Tx, table: string): Promise<number> {
  const [row] = await queryRows<{ n: number | string }>(db, sql`select count(*) as n from ${sql.identifier(table)}`);
  return Number(row?.n ?? 0);
}
