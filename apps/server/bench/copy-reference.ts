/**
 * The sync bench's in-run references: how long PostgreSQL takes to take in the same rows the
 * sync writes — one `players` row and one `player_wager_days` row per player — on the same
 * server in the same run, in one transaction, into tables with the same columns and indexes
 * (`LIKE … INCLUDING ALL`: no triggers, no foreign key).
 *
 * - `copyIntoEmpty`: COPY into empty tables. PostgreSQL's fastest way to take rows in.
 * - `copyIntoPopulated`: COPY into tables that hold what the sync's tables hold at that moment
 *   (so every index entry goes into an index of the same size, as an update's must). The rows
 *   get other keys (uid + `~`, next to their originals in the primary key).
 * - `updateFloor`: an UPDATE of every stored row to the feed's figures on such a copy: staged by
 *   COPY, joined by key, no comparison, no trigger. What changing every row costs at the least;
 *   a non-HOT update writes a new row version and an entry in every index, as an insert does,
 *   and marks the old version besides.
 *
 * The sync does more than any of them (compares with what is stored, upserts, keeps the bucket
 * counts by trigger, checks the history's foreign key), so the ratios say what that costs beyond
 * the machine's own limit at that moment.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { processCpuMs } from './backend-cpu';

interface FeedRecord {
  uid: string;
  name: string;
  wagered: { today: string; this_week: string; this_month: string; all_time: string };
  updated_at: string;
}

export interface Reference {
  ms: number;
  /** CPU of the database backend (null where /proc does not show it). */
  cpuMs: number | null;
}

const CHUNK = 10_000;

function* lines(records: FeedRecord[], row: (r: FeedRecord) => string): Generator<string> {
  for (let i = 0; i < records.length; i += CHUNK) {
    yield records
      .slice(i, i + CHUNK)
      .map(row)
      .join('');
  }
}

/** The feed's rows as COPY text, built before any clock starts: the references time the database. */
function copyRows(feedBody: string, uidSuffix = '') {
  const { data: records }: { data: FeedRecord[] } = JSON.parse(feedBody);
  const day = records[0]?.updated_at.slice(0, 10) ?? new Date().toISOString().slice(0, 10);
  const w = (r: FeedRecord) =>
    `${r.wagered.today}\t${r.wagered.this_week}\t${r.wagered.this_month}\t${r.wagered.all_time}\t${r.updated_at}`;
  return {
    players: [...lines(records, (r) => `${r.uid}${uidSuffix}\t${r.name}\t${w(r)}\n`)],
    days: [...lines(records, (r) => `${r.uid}${uidSuffix}\t${day}\t${r.wagered.today}\t${r.updated_at}\n`)],
  };
}

const COPY_PLAYERS =
  'copy %s (uid, name, wager_today, wager_week, wager_month, wager_all_time, upstream_updated_at) from stdin';
const COPY_DAYS = 'copy %s (player_uid, day, wagered, upstream_updated_at) from stdin';

/** Fresh `bench_ref_players` / `bench_ref_days` like the sync's tables, empty or holding what they hold. */
async function makeTables(sql: postgres.Sql, populated: boolean): Promise<void> {
  await sql.unsafe(`drop table if exists bench_ref_players, bench_ref_days;
    create table bench_ref_players (like players including all);
    create table bench_ref_days (like player_wager_days including all);`);
  if (!populated) return;
  await sql.unsafe('insert into bench_ref_players select * from players');
  await sql.unsafe('insert into bench_ref_days select * from player_wager_days');
  await sql.unsafe('vacuum analyze bench_ref_players');
  await sql.unsafe('vacuum analyze bench_ref_days');
  await sql.unsafe('checkpoint').catch(() => undefined);
}

/** Times `work` in one transaction on its own connection, then drops the reference tables. */
async function timedOnce(
  databaseUrl: string,
  populated: boolean,
  work: (tx: postgres.TransactionSql) => Promise<void>,
): Promise<Reference> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await makeTables(sql, populated);
    const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const cpuBefore = backend ? processCpuMs(backend.pid) : null;
    const started = performance.now();
    await sql.begin(work);
    const ms = performance.now() - started;
    const cpuAfter = backend ? processCpuMs(backend.pid) : null;
    await sql.unsafe('drop table bench_ref_players, bench_ref_days');
    return { ms, cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function copyInto(tx: postgres.TransactionSql, statement: string, table: string, rows: string[]) {
  await pipeline(Readable.from(rows), await tx.unsafe(statement.replace('%s', table)).writable());
}

/** COPY of the feed's rows into empty tables with the sync's indexes. */
export function copyIntoEmpty(databaseUrl: string, feedBody: string): Promise<Reference> {
  const rows = copyRows(feedBody);
  return timedOnce(databaseUrl, false, async (tx) => {
    await copyInto(tx, COPY_PLAYERS, 'bench_ref_players', rows.players);
    await copyInto(tx, COPY_DAYS, 'bench_ref_days', rows.days);
  });
}

/** COPY of the feed's rows (under other keys) into copies of the sync's tables as they are now. */
export function copyIntoPopulated(databaseUrl: string, feedBody: string): Promise<Reference> {
  const rows = copyRows(feedBody, '~');
  return timedOnce(databaseUrl, true, async (tx) => {
    await copyInto(tx, COPY_PLAYERS, 'bench_ref_players', rows.players);
    await copyInto(tx, COPY_DAYS, 'bench_ref_days', rows.days);
  });
}

/** Every stored row set to the feed's figures, on copies of the sync's tables as they are now. */
export function updateFloor(databaseUrl: string, feedBody: string): Promise<Reference> {
  const rows = copyRows(feedBody);
  return timedOnce(databaseUrl, true, async (tx) => {
    await tx.unsafe(`create temp table bench_ref_stage (uid text, name text, wager_today numeric(20,2),
        wager_week numeric(20,2), wager_month numeric(20,2), wager_all_time numeric(20,2),
        upstream_updated_at timestamptz) on commit drop;
      create temp table bench_ref_stage_days (player_uid text, day date, wagered numeric(20,2),
        upstream_updated_at timestamptz) on commit drop`);
    await copyInto(tx, COPY_PLAYERS, 'bench_ref_stage', rows.players);
    await copyInto(tx, COPY_DAYS, 'bench_ref_stage_days', rows.days);
    await tx.unsafe(`update bench_ref_players p set name = s.name, wager_today = s.wager_today,
        wager_week = s.wager_week, wager_month = s.wager_month, wager_all_time = s.wager_all_time,
        upstream_updated_at = s.upstream_updated_at, updated_at = now()
      from bench_ref_stage s where p.uid = s.uid`);
    await tx.unsafe(`update bench_ref_days d set wagered = s.wagered, upstream_updated_at = s.upstream_updated_at
      from bench_ref_stage_days s where d.player_uid = s.player_uid and d.day = s.day`);
  });
}
