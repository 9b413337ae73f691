/**
 * `pnpm bench console`
 *
 * 1. `admin.analytics.overview` uncached (`computeOverview`) for 7, 30 and 90 days with
 *    1,000,000 players and 90 days of history: 50,000 active players a day (4.5 M per-day rows),
 *    100,000 sign-ups, 300,000 bonus claims, 100,000 challenge entries, a sync run a minute,
 *    connection samples every 5 minutes from two instances — on PGlite, and on PostgreSQL when
 *    DATABASE_URL is set (`BENCH_CONSOLE_ENGINES=postgres` skips the PGlite pass, which takes
 *    a few minutes to fill).
 * 2. With DATABASE_URL: exporting the all-time leaderboard (1,000,000 rows) through
 *    `GET /admin/export/leaderboard.csv` on a real server, read by a client in a child process
 *    (as a browser or curl would be): rows/s beside PostgreSQL's own `COPY (…) TO STDOUT WITH
 *    CSV` of the same rows as the reference, then, in a second download, the server's heap
 *    growth sampled after a full collection every 250 ms (collections that often slow the
 *    export, so the throughput is measured without them).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { computeOverview } from '@goated/api/server';
import { createClient } from '@goated/client';
import { createDb, type Db, type DbKind, OPERATOR_DB_TIMEOUTS, queryRows } from '@goated/db';
import { createTestDb } from '@goated/testing/db';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createServer } from '../src/app';
import { loadConfig } from '../src/config';
import type { BenchRow } from './run';
import { timed } from './timing';

const run = promisify(execFile);
const PLAYERS = Number(process.env.BENCH_PLAYERS ?? 1_000_000);
const ACTIVE_PER_DAY = Number(process.env.BENCH_ACTIVE_PER_DAY ?? 50_000);
const USERS = 100_000;
const DAYS = 90;
const CALLS = 200;

/** A full, synchronous GC without starting node with --expose-gc. */
function fullGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = vm.runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('could not get a gc function');
  return () => gc();
}

/** The history the overview summarises; every rollup is filled by its triggers on the way. */
async function fill(db: Db): Promise<void> {
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
    from generate_series(1, ${USERS}) as i`);
  await db.execute(sql`
    insert into bonus_codes (code, max_claims) select 'BENCH' || i, ${USERS} from generate_series(1, 3) as i`);
  await db.execute(sql`
    insert into bonus_claims (code_id, user_id, claimed_at)
    select c.id, 'u' || i, now() - (random() * interval '90 days')
    from bonus_codes c, generate_series(1, ${USERS}) as i`);
  await db.execute(sql`
    insert into challenges (title, game, min_multiplier, min_bet, prize, max_winners, starts_at, ends_at)
    values ('Bench', 'Dice', 100, 1, 50, 10, now() - interval '90 days', now() + interval '1 day')`);
  await db.execute(sql`
    insert into challenge_entries (challenge_id, user_id, bet_reference, multiplier, bet_amount, created_at)
    select (select min(id) from challenges), 'u' || i, 'bet-' || i, 120, 2, now() - (random() * interval '90 days')
    from generate_series(1, ${USERS}) as i`);
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
}

function engines(): DbKind[] {
  const wanted = process.env.BENCH_CONSOLE_ENGINES?.split(',') ?? ['pglite', 'postgres'];
  return (['pglite', 'postgres'] as const).filter(
    (kind) => wanted.includes(kind) && (kind === 'pglite' || process.env.DATABASE_URL),
  );
}

export default async function consoleBench(): Promise<BenchRow[]> {
  if (!process.env.DATABASE_URL) {
    console.log('  (DATABASE_URL not set: the overview on PGlite only, and no export figures, which need PostgreSQL)');
  }
  const rows: BenchRow[] = [];
  for (const kind of engines()) {
    const handle = await createTestDb(kind, { timeouts: OPERATOR_DB_TIMEOUTS });
    try {
      const filling = performance.now();
      await fill(handle.db);
      const [counts] = await queryRows<{ days: string; claims: string; rollup: string }>(
        handle.db,
        sql`select (select count(*) from player_wager_days)::text as days,
                   (select count(*) from bonus_claims)::text as claims,
                   (select count(*) from activity_days)::text as rollup`,
      );
      console.log(
        `  ${kind}: ${PLAYERS.toLocaleString('en')} players, ${Number(counts?.days).toLocaleString('en')} per-day rows, ${Number(counts?.claims).toLocaleString('en')} bonus claims (${counts?.rollup} activity rollup rows), filled in ${((performance.now() - filling) / 1000).toFixed(1)} s`,
      );
      for (const days of [7, 30, 90]) {
        const t = await timed(CALLS, () => computeOverview(handle.db, days), 20);
        rows.push({
          metric: `admin.analytics.overview uncached on ${kind}, ${days} days, p99 (p50 ${t.p50.toFixed(2)} ms, ${CALLS} calls)`,
          ours: t.p99,
          unit: 'ms',
          ...(days === 90 ? { target: '< 50 ms' } : {}),
        });
      }
      if (kind === 'postgres') rows.push(...(await exportRows(handle)));
    } finally {
      await handle.close();
    }
  }
  return rows;
}

/** Downloads the export in a child process, counting lines as they come; its own clock. */
const DOWNLOAD = `
const http = require('node:http');
const started = performance.now();
http.get(process.env.EXPORT_URL, { headers: { authorization: 'Bearer ' + process.env.EXPORT_TOKEN } }, (res) => {
  let lines = 0, bytes = 0;
  res.on('data', (b) => { bytes += b.length; for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++; });
  res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, lines, bytes, seconds: (performance.now() - started) / 1000 })));
}).on('error', (err) => { console.error(err); process.exit(1); });
`;

interface Download {
  status: number;
  lines: number;
  bytes: number;
  seconds: number;
}

async function download(url: string, token: string): Promise<Download> {
  const { stdout } = await run(process.execPath, ['-e', DOWNLOAD], {
    env: { ...process.env, EXPORT_URL: url, EXPORT_TOKEN: token },
  });
  return JSON.parse(stdout);
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
  const db = await createDb({
    databaseUrl: url.toString(),
    migrate: false,
    poolMax: 5,
    timeouts: OPERATOR_DB_TIMEOUTS,
  });
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
    const exportUrl = `${base}/admin/export/leaderboard.csv?period=all`;
    const token = session.token ?? '';
    const check = (got: Download) => {
      if (got.status !== 200 || got.lines - 1 !== PLAYERS) {
        throw new Error(`the export answered ${got.status} with ${got.lines - 1} rows, expected ${PLAYERS}`);
      }
    };

    const ours = await download(exportUrl, token);
    check(ours);

    // The reference: PostgreSQL writing the same rows as CSV itself, read and counted the same way.
    const pg = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const copyStarted = performance.now();
    let copyBytes = 0;
    let copyLines = 0;
    const stream = await pg
      .unsafe(
        `copy (select row_number() over (order by wager_all_time desc, uid), uid, name, wager_all_time
               from players where wager_all_time > 0 order by wager_all_time desc, uid) to stdout with csv header`,
      )
      .readable();
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      copyBytes += chunk.byteLength;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) copyLines++;
    }
    const copySeconds = (performance.now() - copyStarted) / 1000;
    await pg.end();
    if (copyLines !== ours.lines) throw new Error(`COPY wrote ${copyLines} lines, the export ${ours.lines}`);

    rows.push({
      metric: `export leaderboard.csv, ${PLAYERS.toLocaleString('en')} rows (${(ours.bytes / 1e6).toFixed(0)} MB, ${ours.seconds.toFixed(1)} s) vs COPY … TO STDOUT (${(copyBytes / 1e6).toFixed(0)} MB, ${copySeconds.toFixed(1)} s)`,
      ours: PLAYERS / ours.seconds,
      reference: PLAYERS / copySeconds,
      unit: 'rows/s',
      target: '>= 0.3x',
    });

    // The heap: a second download, sampled after a full collection every 250 ms.
    const gc = fullGc();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const sampler = setInterval(() => {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 250);
    try {
      check(await download(exportUrl, token));
    } finally {
      clearInterval(sampler);
    }
    rows.push({
      metric: 'export leaderboard.csv, server heap growth while streaming (live, after full collections)',
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
