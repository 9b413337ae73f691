/**
 * `pnpm bench load`: sustained mixed traffic against one server for a bounded time — cached and
 * uncached queries, signed-in queries, mutations (`telegram.createLinkCode`, `sync.ingest`),
 * WebSocket subscriptions (held, and some reconnecting all the time) — while the scheduled sync
 * rewrites the leaderboards every second, so the subscriptions receive pushes.
 *
 * The server runs here (its memory is what is measured); the traffic comes from a child
 * process (`load-clients.ts`), to 127.0.0.1 only. On the real PostgreSQL when DATABASE_URL is
 * set (a database of its own, dropped afterwards), else on in-memory PGlite.
 *
 * Reports throughput, p50/p99 — the p99 beside the same requests sent afterwards to the same
 * server idle (sync stopped, no subscribers, one at a time) — the error count, and the server's memory: before (after a
 * warm-up and a full GC), sampled after a full GC at intervals during the run, and after. A
 * leak shows as a growth trend across the samples, not as one high reading.
 *
 * BENCH_LOAD_SECONDS (default 60), BENCH_LOAD_WORKERS (16), BENCH_LOAD_SUBSCRIBERS (200).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createClient } from '@goated/client';
import { createDb, type DbHandle, OPERATOR_DB_TIMEOUTS } from '@goated/db';
import { createTestDb } from '@goated/testing/db';
import { createServer } from '../src/app';
import { loadConfig } from '../src/config';
import type { LoadPlan, LoadReport } from './load-clients';
import type { BenchRow } from './run';

const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
const WARMUP_SECONDS = Math.min(10, Math.max(3, Math.round(SECONDS / 6)));
const WORKERS = Number(process.env.BENCH_LOAD_WORKERS ?? 16);
const SUBSCRIBERS = Number(process.env.BENCH_LOAD_SUBSCRIBERS ?? 200);
const USERS = 20;
const IDLE_SECONDS = Math.min(15, Math.max(5, Math.round(SECONDS / 4)));
const SAMPLES = 6;
const MB = 1024 * 1024;

/** A full, synchronous GC without starting node with --expose-gc. */
function fullGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = vm.runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('could not get a gc function');
  return () => gc();
}

interface MemorySample {
  atSeconds: number;
  heapUsed: number;
  rss: number;
}

function traffic(): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./load-clients.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`the traffic process exited (${code})`)));
  });
}

function runTraffic(child: ChildProcess, plan: LoadPlan): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the traffic process did not report')), (plan.seconds + 60) * 1000);
    child.once('message', (message: { type: string; report?: LoadReport; message?: string }) => {
      clearTimeout(timer);
      if (message.type === 'report' && message.report) resolve(message.report);
      else reject(new Error(`traffic failed: ${message.message}`));
    });
    child.send({ type: 'run', plan });
  });
}

/** Least-squares slope of heap over time, in MB per minute. */
function slopeMbPerMinute(samples: MemorySample[]): number {
  const n = samples.length;
  const mx = samples.reduce((s, p) => s + p.atSeconds, 0) / n;
  const my = samples.reduce((s, p) => s + p.heapUsed, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.atSeconds - mx) * (p.heapUsed - my);
    den += (p.atSeconds - mx) ** 2;
  }
  return den === 0 ? 0 : ((num / den) * 60) / MB;
}

export default async function loadBench(): Promise<BenchRow[]> {
  const gc = fullGc();
  const engine = process.env.DATABASE_URL ? 'postgres' : 'pglite';
  const db: DbHandle =
    engine === 'postgres' ? await createTestDb('postgres', { timeouts: OPERATOR_DB_TIMEOUTS }) : await createDb({});
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    WEB_DIST: '/none',
    ADMIN_USERNAME: 'bench_admin',
    ADMIN_PASSWORD: 'bench admin password',
    SESSION_COOKIE_SECURE: 'false',
    SYNC_ENABLED: 'true',
    SYNC_INTERVAL_MS: '1000',
    SIMULATOR_PLAYERS: '2000',
    SEED_DEMO_DATA: 'false',
    LEADERBOARD_PUSH_INTERVAL_MS: '500',
    // All traffic comes from one address: keep the rate tiers in the measured path, out of the way.
    RATE_LIMIT_AUTH_PER_MIN: '1000000',
    RATE_LIMIT_MUTATIONS_PER_MIN: '1000000000',
    RATE_LIMIT_QUERIES_PER_MIN: '1000000000',
  });
  const server = await createServer(config, { db });
  const url = await server.start();
  const anonymous = createClient({ url, transport: 'sse' });
  let child: ChildProcess | undefined;
  try {
    // The first scheduled sync fills the board.
    let board = await anonymous.api.leaderboard.top.query({ period: 'all', limit: 100 });
    for (let i = 0; i < 100 && board.entries.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      board = await anonymous.api.leaderboard.top.query({ period: 'all', limit: 100 });
    }
    if (board.entries.length === 0) throw new Error('the first sync did not land');
    const admin = await anonymous.api.auth.signIn.mutate({
      username: 'bench_admin',
      password: 'bench admin password',
      mode: 'token',
    });
    const adminClient = createClient({ url, token: admin.token ?? '', transport: 'sse' });
    const race = await adminClient.api.races.create.mutate({
      name: 'Load race',
      startsAt: new Date(Date.now() + 1500),
      endsAt: new Date(Date.now() + 24 * 3600_000),
      prizePool: '1000.00',
      prizes: ['600.00', '400.00'],
    });
    await adminClient.close();
    const userTokens: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const session = await anonymous.api.auth.signUp.mutate({
        username: `load_user_${i}`,
        password: 'load test password',
        mode: 'token',
      });
      userTokens.push(session.token ?? '');
    }
    const plan: LoadPlan = {
      url,
      seconds: WARMUP_SECONDS,
      workers: WORKERS,
      subscribers: SUBSCRIBERS,
      churnPerSecond: 20,
      userTokens,
      adminToken: admin.token ?? '',
      uids: board.entries.map((e) => e.uid),
      raceId: race.id,
    };
    child = await traffic();
    const warmup = await runTraffic(child, plan);
    if (warmup.errors > 0) console.log(`  warm-up errors: ${warmup.errors}: ${warmup.errorSamples.join(' | ')}`);

    gc();
    const memory = () => process.memoryUsage();
    const before = memory();
    const samples: MemorySample[] = [];
    const startedAt = performance.now();
    const sampler = setInterval(
      () => {
        gc();
        const m = memory();
        samples.push({ atSeconds: (performance.now() - startedAt) / 1000, heapUsed: m.heapUsed, rss: m.rss });
      },
      (SECONDS * 1000) / SAMPLES,
    );
    const report = await runTraffic(child, { ...plan, seconds: SECONDS });
    clearInterval(sampler);
    // Let the last pushes and closes settle, then measure again.
    await new Promise((r) => setTimeout(r, 1000));
    gc();
    const after = memory();

    // The reference: the same requests on the same server, idle — the sync stopped, no
    // subscribers, one request at a time — so the loaded p99 reads as a ratio to what this
    // machine gives the same calls at that moment.
    await server.deps.sync?.stop();
    const idle = await runTraffic(child, {
      ...plan,
      seconds: IDLE_SECONDS,
      workers: 1,
      subscribers: 0,
      churnPerSecond: 0,
    });

    const mb = (bytes: number) => bytes / MB;
    const growth = after.heapUsed - before.heapUsed;
    const slope = samples.length >= 3 ? slopeMbPerMinute(samples) : 0;
    console.log(
      `  ${engine}, ${SECONDS} s after a ${WARMUP_SECONDS} s warm-up, ${WORKERS} HTTP workers, ${SUBSCRIBERS} WebSocket subscribers (20 reconnecting per second), sync every 1 s`,
    );
    for (const [kind, figures] of Object.entries(report.byKind)) {
      const alone = idle.byKind[kind];
      console.log(
        `    ${kind}: ${figures.count} calls, p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms, ${figures.errors} errors` +
          (alone ? ` | idle server: p99 ${alone.p99Ms.toFixed(1)} ms (${alone.count} calls)` : ''),
      );
    }
    console.log(
      `    websocket: ${report.ws.opened} connections opened (p99 ${report.ws.handshakeP99Ms.toFixed(0)} ms to open), ${report.ws.subscriptionsStarted} subscriptions started, ${report.ws.dataFrames} pushes received, ${report.ws.reconnects} reconnects, ${report.ws.errors} errors`,
    );
    console.log(
      `    heap after GC during the run (MB): ${samples.map((s) => `${s.atSeconds.toFixed(0)}s ${mb(s.heapUsed).toFixed(1)}`).join(', ')}`,
    );
    if (report.errorSamples.length > 0) console.log(`    first errors: ${report.errorSamples.join(' | ')}`);
    const flat = Math.abs(growth) < Math.max(0.1 * before.heapUsed, 8 * MB) && slope * (SECONDS / 60) < 8;
    console.log(`    errors: ${report.errors}; memory ${flat ? 'flat' : 'GROWING'}`);

    return [
      { metric: `mixed HTTP traffic (${engine}), throughput`, ours: report.requests / report.seconds, unit: 'req/s' },
      { metric: 'mixed HTTP traffic, p50', ours: report.p50Ms, unit: 'ms' },
      {
        metric: `mixed HTTP traffic, p99 (reference: the same requests on the idle server, one at a time, no sync, ${IDLE_SECONDS} s)`,
        ours: report.p99Ms,
        reference: idle.p99Ms,
        unit: 'ms',
      },
      { metric: 'errors on the idle server (reference run)', ours: idle.errors, unit: 'errors', target: '0' },
      {
        metric: 'subscription pushes received',
        ours: report.ws.dataFrames / report.seconds,
        unit: 'frames/s',
      },
      { metric: 'errors (HTTP and WebSocket)', ours: report.errors, unit: 'errors', target: '0' },
      { metric: 'server heap used after GC, before', ours: mb(before.heapUsed), unit: 'MB' },
      { metric: 'server heap used after GC, after', ours: mb(after.heapUsed), unit: 'MB', target: 'flat' },
      { metric: 'server heap trend across the samples', ours: slope, unit: 'MB/min', target: '~0' },
      { metric: 'server RSS, before', ours: mb(before.rss), unit: 'MB' },
      { metric: 'server RSS, after', ours: mb(after.rss), unit: 'MB' },
    ];
  } finally {
    child?.send({ type: 'exit' });
    await anonymous.close();
    await server.stop();
    await db.close();
  }
}
