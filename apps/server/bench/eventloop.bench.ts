/**
 * `pnpm bench eventloop`: how responsive the server stays while a 100,000-player sync runs
 * with 1,000 live `leaderboard.onUpdate` subscribers, on the real PostgreSQL.
 *
 * The server runs in this process; the feed, the subscribers and a probe asking `/health`
 * every 20 ms run in a child process (`eventloop-clients.ts`). During each run the event
 * loop's delay is sampled every 10 ms (`monitorEventLoopDelay`; the delay is a sample's excess
 * over those 10 ms), from the start of the run until its pushes have gone out. Two variants, each on a fresh database and the same feeds:
 * records validated in one block per 25,000-record part (how it was), and validated a
 * thousand at a time between turns of the event loop (how it is). Each variant measures the
 * first load (every player new) and a feed where every player moved.
 *
 * PostgreSQL only: with the embedded PGlite the database itself runs on this thread, so its
 * work is event-loop time by construction (see docs/SCALING.md).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { HttpUpstream, SyncService } from '@goated/api/server';
import { createTestDatabaseUrl } from '@goated/testing/db';
import { createServer } from '../src/app';
import { loadConfig } from '../src/config';
import type { BenchRow } from './run';
import { percentile } from './timing';

const PLAYERS = Number(process.env.BENCH_SYNC_PLAYERS ?? 100_000);
const SUBSCRIBERS = Number(process.env.BENCH_EVENTLOOP_SUBSCRIBERS ?? 1000);
const STEP_TIMEOUT_MS = 120_000;
/** After the run: long enough for the coalesced leaderboard pushes to go out. */
const SETTLE_MS = 1500;
/** The sampling timer's period: a sample is the whole period, so the delay is what exceeds it. */
const RESOLUTION_MS = 10;

function ask<T>(child: ChildProcess, command: object, reply: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${reply}" from the clients in time`)), STEP_TIMEOUT_MS);
    const onMessage = (message: { type: string; message?: string }) => {
      if (message.type === 'error') {
        clearTimeout(timer);
        child.off('message', onMessage);
        reject(new Error(message.message));
      } else if (message.type === reply) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message as T);
      }
    };
    child.on('message', onMessage);
    child.send(command);
  });
}

interface Variant {
  label: string;
  recordsPerTurn?: number;
}

const variants: Variant[] = [
  { label: 'one block per 25,000-record part', recordsPerTurn: Number.POSITIVE_INFINITY },
  { label: 'yielding every 1,000 records (default)' },
];

const scenarios = [
  { label: 'first load', movedShare: 1 },
  { label: 'every player moved', movedShare: 1 },
];

async function measureVariant(clients: ChildProcess, variant: Variant): Promise<BenchRow[]> {
  const database = await createTestDatabaseUrl();
  const { url: feedUrl } = await ask<{ url: string }>(clients, { type: 'feed', players: PLAYERS }, 'feed');
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    SYNC_ENABLED: 'false',
    // 1,000 subscriptions from one address: keep the rate tier but out of the way.
    RATE_LIMIT_QUERIES_PER_MIN: '1000000000',
    ADMIN_USERNAME: 'bench_admin',
    ADMIN_PASSWORD: 'bench admin password',
    WEB_DIST: '/nonexistent',
  });
  const server = await createServer(config);
  const rows: BenchRow[] = [];
  try {
    const base = await server.start();
    await ask(
      clients,
      { type: 'connect', url: `${base.replace(/^http/, 'ws')}/trpc`, count: SUBSCRIBERS },
      'connected',
    );
    // The server's own bus, so the run's events reach the subscribers as a scheduled run's would.
    const sync = new SyncService({
      db: server.deps.db,
      bus: server.deps.bus,
      source: new HttpUpstream({ url: feedUrl, timeoutMs: 120_000, retries: 0 }),
      ...(variant.recordsPerTurn ? { recordsPerTurn: variant.recordsPerTurn } : {}),
    });
    for (const scenario of scenarios) {
      await ask(clients, { type: 'next-feed', movedShare: scenario.movedShare }, 'next-feed');
      const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
      await ask(clients, { type: 'probe-start', url: `${base}/health` }, 'probe-started');
      histogram.enable();
      const started = performance.now();
      const result = await sync.runOnce('manual');
      const runMs = performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      histogram.disable();
      const probe = await ask<{ times: number[]; pushes: number }>(clients, { type: 'probe-stop' }, 'probe');
      if (result.status !== 'succeeded') throw new Error(`${scenario.label}: ${result.error ?? result.status}`);
      const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
      const probeTimes = [...probe.times].sort((a, b) => a - b);
      const name = `${variant.label} · ${scenario.label}`;
      console.log(
        `  ${name}: run ${Math.round(runMs)} ms; event-loop delay p50 ${ms(histogram.percentile(50)).toFixed(1)} ms, ` +
          `p99 ${ms(histogram.percentile(99)).toFixed(1)} ms, max ${ms(histogram.max).toFixed(0)} ms; ` +
          `/health probe p99 ${percentile(probeTimes, 99).toFixed(1)} ms (${probeTimes.length} probes); ` +
          `${probe.pushes} pushes to subscribers`,
      );
      rows.push({
        metric: `event-loop delay p99 during a ${PLAYERS.toLocaleString('en-US')}-player sync (${scenario.label}), ${SUBSCRIBERS} subscribers, ${variant.label}`,
        ours: ms(histogram.percentile(99)),
        unit: 'ms',
        target: '< 50 ms',
      });
      rows.push({
        metric: `event-loop delay max, same run (${variant.label}, ${scenario.label})`,
        ours: ms(histogram.max),
        unit: 'ms',
      });
      rows.push({
        metric: `/health answer p99 every 20 ms during the run (${variant.label}, ${scenario.label})`,
        ours: percentile(probeTimes, 99),
        unit: 'ms',
      });
    }
  } finally {
    await server.stop();
    await database.drop();
  }
  return rows;
}

export default async function eventLoopBench(): Promise<BenchRow[]> {
  if (!process.env.DATABASE_URL) {
    console.log('  DATABASE_URL is not set: skipping (the event-loop figures are for the real PostgreSQL)');
    return [];
  }
  const rows: BenchRow[] = [];
  for (const variant of variants) {
    // Fresh subscribers and feed per variant, in a child of their own.
    const clients = fork(fileURLToPath(new URL('./eventloop-clients.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
    });
    try {
      rows.push(...(await measureVariant(clients, variant)));
    } finally {
      clients.kill();
    }
  }
  return rows;
}
