/**
 * The sync bench's in-run reference: how long PostgreSQL takes to `COPY` the same rows the sync
 * writes — one `players` row and one `player_wager_days` row per player — into empty tables
 * with the same columns and indexes (`LIKE … INCLUDING ALL`), in one transaction, on the same
 * server in the same run. COPY is the fastest way PostgreSQL has to take rows in; the sync does
 * more (it compares with what is stored, upserts, keeps the bucket counts by trigger), so the
 * ratio says what that costs beyond the machine's own limit at that moment.
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

const CHUNK = 10_000;

function* lines(records: FeedRecord[], row: (r: FeedRecord) => string): Generator<string> {
  for (let i = 0; i < records.length; i += CHUNK) {
    yield records
      .slice(i, i + CHUNK)
      .map(row)
      .join('');
  }
}

/**
 * Milliseconds to COPY the feed's rows into fresh copies of the sync's two tables, and the CPU
 * its database backend spent on it (null where /proc does not show it).
 */
export async function copyReference(
  databaseUrl: string,
  feedBody: string,
): Promise<{ ms: number; cpuMs: number | null }> {
  const { data: records }: { data: FeedRecord[] } = JSON.parse(feedBody);
  const day = new Date().toISOString().slice(0, 10);
  // Text rows built before the clock starts: the reference is the database's work.
  const playerRows = [
    ...lines(
      records,
      (r) =>
        `${r.uid}\t${r.name}\t${r.wagered.today}\t${r.wagered.this_week}\t${r.wagered.this_month}\t${r.wagered.all_time}\t${r.updated_at}\n`,
    ),
  ];
  const dayRows = [...lines(records, (r) => `${r.uid}\t${day}\t${r.wagered.today}\t${r.updated_at}\n`)];
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop table if exists bench_copy_players, bench_copy_days;
      create table bench_copy_players (like players including all);
      create table bench_copy_days (like player_wager_days including all);`);
    const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const cpuBefore = backend ? processCpuMs(backend.pid) : null;
    const started = performance.now();
    await sql.begin(async (tx) => {
      await pipeline(
        Readable.from(playerRows),
        await tx`copy bench_copy_players (uid, name, wager_today, wager_week, wager_month, wager_all_time, upstream_updated_at) from stdin`.writable(),
      );
      await pipeline(
        Readable.from(dayRows),
        await tx`copy bench_copy_days (player_uid, day, wagered, upstream_updated_at) from stdin`.writable(),
      );
    });
    const ms = performance.now() - started;
    const cpuAfter = backend ? processCpuMs(backend.pid) : null;
    await sql.unsafe('drop table bench_copy_players, bench_copy_days');
    return { ms, cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
