/**
 * `pnpm bench sync`: ingest throughput of the pipeline for a 100,000-player feed, served over
 * HTTP from 127.0.0.1 and pulled through the real HTTP source — fetch, validation, the one
 * transaction, the log entry. On the real PostgreSQL (a database of its own on DATABASE_URL,
 * dropped afterwards) and on PGlite (in memory).
 *
 * Runs, in order, on one database: the first load (every player new), a feed where every
 * player's figures moved, a typical feed (5% moved), the same feed again (unchanged: the
 * pipeline knows what it stored and sends nothing), and that again from a new instance (cold:
 * every record compared in the database).
 *
 * The first load and "every player moved" are each set beside in-run references taken just
 * before the run (bench/copy-reference.ts); PGlite's rows reuse PostgreSQL's:
 * - first load: PostgreSQL's COPY of the same rows into empty tables with the same indexes;
 * - every player moved: COPY of the same rows into tables with the same indexes holding what the
 *   sync's tables hold (the target's reference: an update's index entries go into indexes of that
 *   size), beside COPY into empty tables and the floor of changing every row (a bare UPDATE).
 *
 * `BENCH_SYNC_PLAYERS` (100000), `BENCH_SYNC_CHUNK` (players per statement, default 25000),
 * `BENCH_SYNC_PGLITE=false` to skip PGlite.
 */
import { createInProcessBus, HttpUpstream, SYNC_RUN_LOCK, type SyncRunResult, SyncService } from '@goated/api/server';
import { createDb, type DbHandle, OPERATOR_DB_TIMEOUTS, queryRows } from '@goated/db';
import { createTestDatabaseUrl, createTestDb } from '@goated/testing/db';
import { sql } from 'drizzle-orm';
import { backendsCpuMs } from './backend-cpu';
import { copyIntoEmpty, copyIntoPopulated, type Reference, updateFloor } from './copy-reference';
import { createFeed, serveFeed } from './feed';
import type { BenchRow } from './run';

const PLAYERS = Number(process.env.BENCH_SYNC_PLAYERS ?? 100_000);
const TARGET_MS = 5000;
const POOL_MAX = 4;
/**
 * The references taken for a scenario (issue #22: the sync ≤ 2× COPY), the first one the
 * target's. A first load writes into empty tables; when every player moved, every row's new
 * version goes into tables (and indexes) of the same size.
 */
const REFERENCES: Record<string, { label: string; take: (url: string, body: string) => Promise<Reference> }[]> = {
  'first load (all new)': [{ label: 'COPY of the same rows into empty tables, same indexes', take: copyIntoEmpty }],
  'every player moved': [
    { label: 'COPY of the same rows into tables with the same indexes and contents', take: copyIntoPopulated },
    { label: 'COPY of the same rows into empty tables, same indexes', take: copyIntoEmpty },
    { label: 'floor: a bare UPDATE of every row, same tables, no trigger or foreign key', take: updateFloor },
  ],
};

interface TakenReference extends Reference {
  label: string;
}

interface Scenario {
  label: string;
  /** Share of players whose figures moved since the previous run. */
  movedShare: number;
  /** Whether the 5 s target applies. */
  targeted: boolean;
  /** Run it from a new pipeline instance, as after a restart: nothing known, every record compared in the database. */
  cold?: boolean;
}

const scenarios: Scenario[] = [
  { label: 'first load (all new)', movedShare: 1, targeted: true },
  { label: 'every player moved', movedShare: 1, targeted: true },
  { label: '5% moved', movedShare: 0.05, targeted: true },
  { label: 'unchanged re-run', movedShare: 0, targeted: true },
  { label: 'unchanged re-run, cold (new instance)', movedShare: 0, targeted: true, cold: true },
];

async function measure(
  engine: string,
  handle: DbHandle,
  feed: Awaited<ReturnType<typeof serveFeed>>,
  /** PostgreSQL's reference times per scenario: measured here (postgres, with its URL) or reused (pglite). */
  copy: { url?: string; refs: Map<string, TakenReference[]> },
): Promise<BenchRow[]> {
  const instance = () =>
    new SyncService({
      db: handle.db,
      bus: createInProcessBus(),
      source: new HttpUpstream({ url: feed.url, timeoutMs: 120_000, retries: 0 }),
      tryLock: () => handle.tryAdvisoryLock(SYNC_RUN_LOCK),
      ...(process.env.BENCH_SYNC_CHUNK ? { chunkSize: Number(process.env.BENCH_SYNC_CHUNK) } : {}),
    });
  let sync = instance();
  const rows: BenchRow[] = [];
  const nextFeed = createFeed(PLAYERS);
  for (const scenario of scenarios) {
    const body = nextFeed(scenario.movedShare);
    feed.set(body);
    if (copy.url && REFERENCES[scenario.label]) {
      const taken: TakenReference[] = [];
      for (const { label, take } of REFERENCES[scenario.label] ?? []) {
        const reference = await take(copy.url, body);
        taken.push({ label, ...reference });
        console.log(
          `  reference · ${label}: ${Math.round(reference.ms)} ms` +
            (reference.cpuMs === null ? '' : ` (database CPU ${Math.round(reference.cpuMs)} ms)`),
        );
      }
      copy.refs.set(scenario.label, taken);
    }
    const references = copy.refs.get(scenario.label) ?? [];
    const copyCpuMs = engine === 'postgres' ? (references[0]?.cpuMs ?? null) : null;
    if (scenario.cold) sync = instance();
    const pids = engine === 'postgres' ? await backendPids(handle) : [];
    const cpuBefore = backendsCpuMs(pids);
    const started = performance.now();
    const result: SyncRunResult = await sync.runOnce('manual');
    const ms = performance.now() - started;
    const cpuAfter = backendsCpuMs(pids);
    const cpuMs = cpuBefore === null || cpuAfter === null || pids.length === 0 ? null : cpuAfter - cpuBefore;
    if (result.status !== 'succeeded') throw new Error(`${engine} ${scenario.label}: ${result.error ?? result.status}`);
    const p = result.phases;
    console.log(
      `  ${engine} · ${scenario.label}: ${Math.round(ms)} ms, ${result.changedPlayers} players changed, ${result.knownUnchanged} known unchanged` +
        (p ? ` (fetch ${p.fetchMs} ms, validate ${p.validateMs} ms, apply ${p.applyMs} ms)` : '') +
        (cpuMs === null ? '' : `; database CPU ${Math.round(cpuMs)} ms`) +
        (cpuMs !== null && copyCpuMs ? ` (${(cpuMs / copyCpuMs).toFixed(2)}x the COPY's)` : ''),
    );
    const [reference, ...others] = references;
    const run = `${engine}: ${scenario.label}, time per ${PLAYERS.toLocaleString('en-US')}-player run`;
    rows.push({
      metric: `${run}${reference ? ` (reference: ${reference.label}, same run)` : ''}`,
      ours: ms,
      unit: 'ms',
      ...(reference ? { reference: reference.ms } : {}),
      ...(reference && engine === 'postgres'
        ? { target: '<= 2x' }
        : scenario.targeted && engine === 'postgres'
          ? { target: `< ${TARGET_MS} ms` }
          : {}),
    });
    for (const other of engine === 'postgres' ? others : []) {
      rows.push({ metric: `${run} (beside: ${other.label})`, ours: ms, unit: 'ms', reference: other.ms });
    }
    rows.push({ metric: `${engine}: ${scenario.label}, throughput`, ours: (PLAYERS / ms) * 1000, unit: 'records/s' });
  }
  return rows;
}

/**
 * The database backends of the pool, all opened (a run uses any of them). Their CPU time is a
 * figure a neighbour's load moves far less than the wall clock: printed beside the COPY's.
 */
async function backendPids(handle: DbHandle): Promise<number[]> {
  await Promise.all(Array.from({ length: POOL_MAX }, () => handle.db.execute(sql`select pg_sleep(0.01)`)));
  const rows = await queryRows<{ pid: number }>(
    handle.db,
    sql`select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend'`,
  );
  return rows.map((r) => Number(r.pid));
}

export default async function syncBench(): Promise<BenchRow[]> {
  const feed = await serveFeed();
  const rows: BenchRow[] = [];
  const refs = new Map<string, TakenReference[]>();
  try {
    if (process.env.DATABASE_URL) {
      const database = await createTestDatabaseUrl();
      const handle = await createDb({ databaseUrl: database.url, poolMax: POOL_MAX, timeouts: OPERATOR_DB_TIMEOUTS });
      try {
        rows.push(...(await measure('postgres', handle, feed, { url: database.url, refs })));
      } finally {
        await handle.close();
        await database.drop();
      }
    } else {
      console.log('  DATABASE_URL is not set: skipping the PostgreSQL runs');
    }
    if (process.env.BENCH_SYNC_PGLITE !== 'false') {
      const handle = await createTestDb('pglite');
      try {
        rows.push(...(await measure('pglite', handle, feed, { refs })));
      } finally {
        await handle.close();
      }
    }
  } finally {
    await feed.close();
  }
  return rows;
}
