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
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInProcessBus, HttpUpstream, SYNC_RUN_LOCK, type SyncRunResult, SyncService } from '@goated/api';
import { createDb, type DbHandle } from '@goated/db';
import { createTestDatabaseUrl, createTestDb } from '@goated/db/testing';
import type { BenchRow } from './run';

const PLAYERS = Number(process.env.BENCH_SYNC_PLAYERS ?? 100_000);
const TARGET_MS = 5000;

/**
 * The feed as upstream would send it: all players, cumulative totals, one timestamp per fetch.
 * `movedShare` of the players (a fixed stride) wagered since the previous fetch.
 */
function createFeed() {
  const cents = Array.from({ length: PLAYERS }, (_, i) => 1000 + ((i * 7919) % 5_000_000));
  let fetches = 0;
  return (movedShare: number): string => {
    fetches++;
    if (fetches > 1) {
      for (let i = 0; i < PLAYERS; i++) if (i % 100 < movedShare * 100) cents[i] = (cents[i] ?? 0) + 12_345;
    }
    const at = new Date(Date.UTC(2026, 0, 1, 12, fetches)).toISOString();
    const records = cents.map((c, i) => {
      const amount = `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
      return {
        uid: `p${String(i).padStart(6, '0')}`,
        name: `Player ${i}`,
        wagered: { today: amount, this_week: amount, this_month: amount, all_time: amount },
        updated_at: at,
      };
    });
    return JSON.stringify({ data: records, next_cursor: null });
  };
}

async function serve(): Promise<{ url: string; set(body: string): void; close(): Promise<void> }> {
  let body = '[]';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/feed`,
    set: (next) => {
      body = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
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

async function measure(engine: string, handle: DbHandle, feed: Awaited<ReturnType<typeof serve>>): Promise<BenchRow[]> {
  const instance = () =>
    new SyncService({
      db: handle.db,
      bus: createInProcessBus(),
      source: new HttpUpstream({ url: feed.url, timeoutMs: 120_000, retries: 0 }),
      tryLock: () => handle.tryAdvisoryLock(SYNC_RUN_LOCK),
    });
  let sync = instance();
  const rows: BenchRow[] = [];
  const nextFeed = createFeed();
  for (const scenario of scenarios) {
    feed.set(nextFeed(scenario.movedShare));
    if (scenario.cold) sync = instance();
    const started = performance.now();
    const result: SyncRunResult = await sync.runOnce('manual');
    const ms = performance.now() - started;
    if (result.status !== 'succeeded') throw new Error(`${engine} ${scenario.label}: ${result.error ?? result.status}`);
    const p = result.phases;
    console.log(
      `  ${engine} · ${scenario.label}: ${Math.round(ms)} ms, ${result.changedPlayers} players changed, ${result.knownUnchanged} known unchanged` +
        (p ? ` (fetch ${p.fetchMs} ms, validate ${p.validateMs} ms, apply ${p.applyMs} ms)` : ''),
    );
    rows.push({
      metric: `${engine}: ${scenario.label}, time per ${PLAYERS.toLocaleString('en-US')}-player run`,
      ours: ms,
      unit: 'ms',
      ...(scenario.targeted && engine === 'postgres' ? { target: `< ${TARGET_MS} ms` } : {}),
    });
    rows.push({ metric: `${engine}: ${scenario.label}, throughput`, ours: (PLAYERS / ms) * 1000, unit: 'records/s' });
  }
  return rows;
}

export default async function syncBench(): Promise<BenchRow[]> {
  const feed = await serve();
  const rows: BenchRow[] = [];
  try {
    if (process.env.DATABASE_URL) {
      const database = await createTestDatabaseUrl();
      const handle = await createDb({ databaseUrl: database.url, poolMax: 4 });
      try {
        rows.push(...(await measure('postgres', handle, feed)));
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
        rows.push(...(await measure('pglite', handle, feed)));
      } finally {
        await handle.close();
      }
    }
  } finally {
    await feed.close();
  }
  return rows;
}
