import { schema, type Tx } from '@goated/db';
import { sql } from 'drizzle-orm';
import { utcDay } from '../dates';
import type { PlayerSnapshot } from './records';

const { players, playerWagerDays } = schema;
const CHUNK = 1000;

/**
 * Upserts player totals and today's history row inside the caller's transaction.
 * Idempotent (the same snapshot twice changes nothing) and monotonic in time: a snapshot older
 * than what is stored is ignored, so a late batch never moves totals backwards.
 * Returns the uids whose stored figures actually changed.
 */
export async function applySnapshots(tx: Tx, snapshots: PlayerSnapshot[]): Promise<string[]> {
  const changed: string[] = [];
  // The last snapshot of a uid in one batch wins, as upstream would have it.
  const latest = new Map<string, PlayerSnapshot>();
  for (const s of snapshots) {
    const prev = latest.get(s.uid);
    if (!prev || prev.upstreamUpdatedAt <= s.upstreamUpdatedAt) latest.set(s.uid, s);
  }
  const rows = [...latest.values()];

  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const updated = await tx
      .insert(players)
      .values(chunk)
      .onConflictDoUpdate({
        target: players.uid,
        set: {
          name: sql`excluded.name`,
          wagerToday: sql`excluded.wager_today`,
          wagerWeek: sql`excluded.wager_week`,
          wagerMonth: sql`excluded.wager_month`,
          wagerAllTime: sql`excluded.wager_all_time`,
          upstreamUpdatedAt: sql`excluded.upstream_updated_at`,
          updatedAt: sql`now()`,
        },
        setWhere: sql`${players.upstreamUpdatedAt} <= excluded.upstream_updated_at
          and (${players.name}, ${players.wagerToday}, ${players.wagerWeek}, ${players.wagerMonth}, ${players.wagerAllTime})
            is distinct from (excluded.name, excluded.wager_today, excluded.wager_week, excluded.wager_month, excluded.wager_all_time)`,
      })
      .returning({ uid: players.uid });
    for (const row of updated) changed.push(row.uid);

    await tx
      .insert(playerWagerDays)
      .values(
        chunk.map((s) => ({
          playerUid: s.uid,
          day: utcDay(s.upstreamUpdatedAt),
          wagered: s.wagerToday,
          upstreamUpdatedAt: s.upstreamUpdatedAt,
        })),
      )
      .onConflictDoUpdate({
        target: [playerWagerDays.playerUid, playerWagerDays.day],
        set: { wagered: sql`excluded.wagered`, upstreamUpdatedAt: sql`excluded.upstream_updated_at` },
        setWhere: sql`${playerWagerDays.upstreamUpdatedAt} <= excluded.upstream_updated_at
          and ${playerWagerDays.wagered} is distinct from excluded.wagered`,
      });
  }
  return changed;
}
