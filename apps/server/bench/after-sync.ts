/**
 * The board's reads as a sync leaves them: 5 % of the 1,000,000 players moved, which marks
 * nearly every page of the table as changed since the last vacuum, so an index-only read
 * visits the table for each entry again. Timed before the vacuum the server runs after such a
 * sync (`PlayersUpkeep`, what PostgreSQL's autovacuum would leave until a fifth of the table had
 * changed) and after it.
 */
import { PlayersUpkeep } from '@goated/api/server';
import { type Db, queryRows } from '@goated/db';
import { sql } from 'drizzle-orm';
import type { BenchRow } from './run';
import type { Beside } from './timing';

/** Calls of each read per state: twice 2,000 beside as many primary-key reads. */
const CALLS = 2000;

type Measure = (calls: number) => Promise<{ position: Beside; search: Beside }>;

function ratioRows(label: string, { position, search }: Awaited<ReturnType<Measure>>): BenchRow[] {
  return [
    {
      metric: `${label}: leaderboard.position p99 (reference: one player by primary key)`,
      ours: position.subject.p99,
      reference: position.reference.p99,
      unit: 'ms',
    },
    {
      metric: `${label}: name search p50`,
      ours: search.subject.p50,
      reference: search.reference.p50,
      unit: 'ms',
    },
    {
      metric: `${label}: name search p99 (reference: one player by primary key)`,
      ours: search.subject.p99,
      reference: search.reference.p99,
      unit: 'ms',
    },
  ];
}

export async function afterSyncRows(db: Db, measure: Measure): Promise<BenchRow[]> {
  // Each wager of one player in twenty a little higher, as a sync writes it (the bucket
  // trigger follows): a new row version, and new entries in every index but the primary key's.
  const [moved] = await queryRows<{ n: number }>(
    db,
    sql`with moved as (
      update players set wager_today = case when wager_today > 0 then wager_today + 1 else 0 end,
        wager_week = wager_week + 1, wager_month = wager_month + 1, wager_all_time = wager_all_time + 1
      where hashtext(uid || ':moved') % 20 = 0 returning 1)
    select count(*)::int as n from moved`,
  );
  const count = moved?.n ?? 0;
  const rows = ratioRows(
    `after a sync moved 5 % of players (${count.toLocaleString('en')}), before its vacuum`,
    await measure(CALLS),
  );
  const upkeep = new PlayersUpkeep({ db });
  const started = performance.now();
  upkeep.changed(count);
  await upkeep.idle();
  if (upkeep.completed !== 1 || upkeep.ranksBuilt !== 1) {
    throw new Error('the vacuum and the build of the top ranks after the sync did not finish');
  }
  rows.push({
    metric: 'the vacuum of players and the build of the top ranks after that sync (PlayersUpkeep)',
    ours: performance.now() - started,
    unit: 'ms',
  });
  rows.push(...ratioRows('the same after its vacuum and build', await measure(CALLS)));
  return rows;
}
