/**
 * `account.standing` on the leaderboard bench's 1,000,000 players (called from
 * leaderboard.bench.ts): a live race in which every player active today has wagered, 1,000
 * accounts linked to random players, their race places refreshed as after a sync; then a
 * linked user's standing — ranks in four periods, race place, prize and gap to the next paid
 * place — timed call by call beside the primary-key lookup, the in-run reference.
 */
import { type AppDeps, accountStanding, createInProcessBus, refreshRacePositions } from '@goated/api/server';
import { type Db, queryRows } from '@goated/db';
import { sql } from 'drizzle-orm';
import type { BenchRow } from './run';
import { timedBeside } from './timing';

const LINKED = 1000;

export async function standingRows(
  db: Db,
  options: { players: number; random: () => number; reference: () => Promise<unknown> },
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const started = performance.now();
  // Today's wager of everyone active today is their race wager (the race counts from yesterday).
  await db.execute(sql`
    insert into player_wager_days (player_uid, day, wagered, upstream_updated_at)
    select uid, (now() at time zone 'UTC')::date, wager_today, now() from players where wager_today > 0`);
  await db.execute(sql`
    insert into races (name, starts_at, ends_at, prize_pool, prize_split, status)
    values ('Bench race', date_trunc('day', now()) - interval '1 day', now() + interval '3 days', '1000.00',
      '["400.00","200.00","100.00","80.00","60.00","50.00","40.00","30.00","20.00","20.00"]'::jsonb, 'live')`);
  // Linked accounts on random players (distinct: a player belongs to one account).
  await db.execute(sql`
    insert into users (id, username, display_name, password_hash, player_uid)
    select md5(uid), 'bench_' || uid, 'bench_' || uid, 'x', uid
    from (select distinct 'p' || lpad((1 + floor(random() * ${options.players}))::int::text, 7, '0') as uid
          from generate_series(1, ${LINKED * 2}) limit ${LINKED}) picked`);
  await db.execute(sql`vacuum analyze player_wager_days`);
  await db.execute(sql`vacuum analyze users`);
  const active = await queryRows<{ n: string }>(db, sql`select count(*)::text as n from player_wager_days`);
  console.log(
    `  (a live race with ${Number(active[0]?.n ?? 0).toLocaleString('en')} players in it and ${LINKED} linked accounts set up in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );

  const deps: Pick<AppDeps, 'db' | 'bus' | 'live'> = { db, bus: createInProcessBus(), live: { pushIntervalMs: 1000 } };
  const refreshing = performance.now();
  const refresh = await refreshRacePositions(deps, { threshold: 3 });
  const refreshMs = performance.now() - refreshing;
  rows.push({
    metric: `race positions refresh after a change (${refresh.positions} linked players ranked in a race of ${Number(active[0]?.n ?? 0).toLocaleString('en')}), once per sync`,
    ours: refreshMs,
    unit: 'ms',
  });

  const users = await queryRows<{ id: string }>(db, sql`select id from users where player_uid is not null`);
  const pick = () => users[Math.floor(options.random() * users.length)]?.id ?? '';
  // The first read after a change ranks the race's paid places once (then cached until the next change).
  const cold = performance.now();
  const first = await accountStanding(deps, pick());
  rows.push({
    metric: 'account.standing, first read after a change (ranks the paid places once, shared by all readers)',
    ours: performance.now() - cold,
    unit: 'ms',
  });
  if (first?.races.length !== 1) throw new Error('the bench user should stand in one live race');

  const standing = await timedBeside(1000, {
    input: () => pick(),
    reference: options.reference,
    subject: (userId) => accountStanding(deps, userId),
  });
  rows.push({ metric: 'account.standing, random linked player of 1M, p50', ours: standing.subject.p50, unit: 'ms' });
  rows.push({
    metric: 'account.standing, random linked player of 1M, p99 (reference: one player by primary key)',
    ours: standing.subject.p99,
    reference: standing.reference.p99,
    unit: 'ms',
    target: '< 10 ms',
  });
  return rows;
}
