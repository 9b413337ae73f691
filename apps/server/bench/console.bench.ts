/**
 * `pnpm bench console` (needs DATABASE_URL: a database this bench creates and drops)
 *
 * 1. `admin.analytics.overview` uncached (`computeOverview`) for 7, 30 and 90 days with
 *    1,000,000 players and 90 days of history: 50,000 active players a day (4.5 M per-day rows,
 *    kept in the daily rollup by its triggers), 100,000 sign-ups, a sync run a minute, connection
 *    samples every 5 minutes from two instances.
 * 2. Exporting the all-time leaderboard (1,000,000 rows) through `GET /admin/export/leaderboard.csv`
 *    on a real server: the server's heap growth while it streams, and its rows/s beside
 *    PostgreSQL's own `COPY (…) TO STDOUT WITH CSV` of the same rows as the reference.
 */
import { computeOverview } from '@goated/api';
import { createClient } from '@goated/api/client';
import { createDb, queryRows } from '@goated/db';
import { createTestDb } from '@goated/db/testing';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createServer } from '../src/app';
import { loadConfig } from '../src/config';
import type { BenchRow } from './run';

const PLAYERS = Number(process.env.BENCH_PLAYERS ?? 1_000_000);
const ACTIVE_PER_DAY = Number(process.env.BENCH_ACTIVE_PER_DAY ?? 50_000);
const DAYS = 90;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function timed(count: number, call: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

export default async function consoleBench(): Promise<BenchRow[]> {
  if (!process.env.DATABASE_URL) {
    console.log('  (DATABASE_URL not set: skipping the console figures, which need PostgreSQL)');
    return [];
  }
  const handle = await createTestDb('postgres');
  const rows: BenchRow[] = [];
  try {
    const db = handle.db;
    const filling = performance.now();
    await db.execute(sql`
      insert into players (uid, name, wager_today, wager_week, wager_month, wager_all_time, upstream_updated_at)
      select 'p' || lpad(i::text, 7, '0'), 'Player ' || i, 0, 0, round((10 ^ (random() * 5))::numeric, 2),
        round((10 ^ (random() * 7))::numeric, 2), now()
      from generate_series(1, ${PLAYERS}) as i`);
    for (let d = 0; d < DAYS; d++) {
      await db.execute(sql`
        insert into player_wager_days (player_uid, day, wagered, upstream_updated_at)
        select 'p' || lpad((1 + ((i * 19 + ${d} * 7919) % ${PLAYERS}))::text, 7, '0'),
          current_date - ${d}::int, round((10 ^ (random() * 4))::numeric, 2), now()
        from generate_series(1, ${ACTIVE_PER_DAY}) as i
        on conflict do nothing`);
    }
    await db.execute(sql`
      insert into users (id, username, display_name, password_hash, created_at)
      select 'u' || i, 'user' || i, 'user' || i, 'x', now() - (random() * interval '90 days')
      from generate_series(1, 100000) as i`);
    await db.execute(sql`
      insert into sync_runs (trigger, source, status, started_at, finished_at, records_in, records_out, records_skipped)
      select 'schedule', 'bench', case when i % 50 = 0 then 'failed'::sync_status else 'succeeded'::sync_status end,
        now() - i * interval '1 minute', now() - i * interval '1 minute' + interval '1.2 s', 2000, 1990, 10
      from generate_series(1, ${DAYS * 1440}) as i`);
    await db.execute(sql`
      insert into connection_samples (at, instance, connections, subscriptions, sse_streams)
      select date_bin('5 minutes', now() - i * interval '5 minutes', 'epoch'), inst, (random() * 500)::int, 0, 0
      from generate_series(1, ${DAYS * 288}) as i, (values ('a'), ('b')) as v(inst)`);
    await db.execute(sql`vacuum analyze`);
    await db.execute(sql`checkpoint`).catch(() => undefined);
    const [counts] = await queryRows<{ days: string; rollup: string }>(
      db,
      sql`select (select count(*) from player_wager_days)::text as days, (select count(*) from wager_day_totals)::text as rollup`,
    );
    console.log(
      `  (${PLAYERS.toLocaleString('en')} players, ${Number(counts?.days).toLocaleString('en')} per-day rows in ${counts?.rollup} rollup days, filled in ${((performance.now() - filling) / 1000).toFixed(1)} s)`,
    );

    for (const days of [7, 30, 90]) {
      const t = await timed(200, () => computeOverview(db, days));
      rows.push({
        metric: `admin.analytics.overview uncached, ${days} days, 1M players, p99 (p50 ${t.p50.toFixed(2)} ms)`,
        ours: t.p99,
        unit: 'ms',
        ...(days === 90 ? { target: '< 50 ms' } : {}),
      });
    }

    rows.push(...(await exportRows(handle)));
  } finally {
    await handle.close();
  }
  return rows;
}

async function exportRows(handle: Awaited<ReturnType<typeof createTestDb>>): Promise<BenchRow[]> {
  const [name] = await queryRows<{ n: string }>(handle.db, sql`select current_database() as n`);
  const url = new URL(process.env.DATABASE_URL ?? '');
  url.pathname = `/${name?.n}`;
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    SYNC_ENABLED: 'false',
    DATABASE_URL: url.toString(),
    ADMIN_USERNAME: 'bench_admin',
    ADMIN_PASSWORD: 'bench admin password',
    WEB_DIST: '/none',
    LOG_SUMMARY_INTERVAL_MS: '0',
    CONNECTION_SAMPLE_MS: '0',
  });
  const db = await createDb({ databaseUrl: url.toString(), migrate: false, poolMax: 5 });
  const server = await createServer(config, { db });
  const base = await server.start();
  const rows: BenchRow[] = [];
  try {
    const client = createClient({ url: base });
    const session = await client.api.auth.signIn.mutate({
      username: 'bench_admin',
      password: 'bench admin password',
      mode: 'token',
    });
    await client.close();
    const expected = PLAYERS;

    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    // With --expose-gc (BENCH_NODE_OPTIONS, see below) each sample follows a collection, so it
    // measures what the export holds live, not garbage not yet collected.
    const sampler = setInterval(
      () => {
        gc?.();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      },
      gc ? 250 : 20,
    );
    const started = performance.now();
    const response = await fetch(`${base}/admin/export/leaderboard.csv?period=all`, {
      headers: { authorization: `Bearer ${session.token}` },
    });
    let bytes = 0;
    let lines = 0;
    const reader = response.body?.getReader();
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      bytes += chunk.value.byteLength;
      for (const byte of chunk.value) if (byte === 10) lines++;
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    if (lines - 1 !== expected) throw new Error(`the export had ${lines - 1} rows, expected ${expected}`);

    // The reference: PostgreSQL writing the same rows as CSV itself.
    const pg = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const copyStarted = performance.now();
    let copyBytes = 0;
    const stream = await pg
      .unsafe(
        `copy (select row_number() over (order by wager_all_time desc, uid), uid, name, wager_all_time
               from players where wager_all_time > 0 order by wager_all_time desc, uid) to stdout with csv header`,
      )
      .readable();
    for await (const chunk of stream) copyBytes += (chunk as Buffer).byteLength;
    const copySeconds = (performance.now() - copyStarted) / 1000;
    await pg.end();

    rows.push({
      metric: `export leaderboard.csv, ${expected.toLocaleString('en')} rows (${(bytes / 1e6).toFixed(0)} MB) vs COPY … TO STDOUT (${(copyBytes / 1e6).toFixed(0)} MB)`,
      ours: expected / seconds,
      reference: expected / copySeconds,
      unit: 'rows/s',
    });
    rows.push({
      metric: `export leaderboard.csv, heap growth while streaming (server and reading client in one process${gc ? '' : ', no --expose-gc'})`,
      ours: (peak - baseline) / 1_048_576,
      unit: 'MB',
      target: '< 50 MB',
    });
  } finally {
    await server.stop();
    await db.close();
  }
  return rows;
}
