/**
 * After a run commits: the players it lifted into a higher VIP tier get one transformation-log
 * entry for the run ("alice reached Gold") and, when a user has claimed the player, a `tier`
 * notification (web and Telegram, per their preferences). The run's statement found them by
 * comparing each changed row before and after (`prepareUpserts`), so a repeated or stale
 * snapshot, which changes nothing, never announces a tier twice.
 */
import { schema } from '@goated/db';
import { and, eq, inArray } from 'drizzle-orm';
import type { AppDeps } from '../../context';
import { type LogEntry, writeLog } from '../logs';
import { money } from '../notifications/format';
import { notify } from '../notifications/notify';
import { type Ladder, tierOf, tierProgress } from '../vip';
import type { TierUp } from './apply';

const { users } = schema;

/** Names listed in the run's log message; the rest are counted. */
const NAMED_IN_MESSAGE = 5;
/** Tier-ups kept in the entry's details. */
const KEPT_IN_DETAILS = 200;

export interface TierUpReport {
  log: LogEntry | null;
  /** Notifications stored. */
  notified: number;
}

/** The ladder's thresholds for `prepareUpserts` (ascending decimal strings). */
export function thresholdsOf(ladder: Ladder | null): string[] {
  return ladder ? ladder.tiers.map((t) => t.threshold) : [];
}

export async function announceTierUps(
  deps: Pick<AppDeps, 'db' | 'bus' | 'log'>,
  ladder: Ladder,
  runId: number | null,
  tierUps: TierUp[],
): Promise<TierUpReport> {
  if (tierUps.length === 0) return { log: null, notified: 0 };
  const reached = tierUps.map((up) => ({ ...up, tier: tierOf(ladder, up.after).name }));
  const named = reached.slice(0, NAMED_IN_MESSAGE).map((r) => `${r.name} reached ${r.tier}`);
  const more = reached.length - named.length;
  const message = more > 0 ? `${named.join(', ')} and ${more} more reached a new VIP tier` : named.join(', ');
  const log = await writeLog(deps.db, {
    runId,
    type: 'info',
    message,
    details: {
      tierUps: reached.slice(0, KEPT_IN_DETAILS).map((r) => ({
        uid: r.uid,
        name: r.name,
        tier: r.tier,
        before: r.before,
        after: r.after,
      })),
      count: reached.length,
    },
  });

  const linked = await deps.db
    .select({ id: users.id, uid: users.playerUid })
    .from(users)
    .where(
      and(
        inArray(
          users.playerUid,
          reached.map((r) => r.uid),
        ),
        eq(users.banned, false),
      ),
    );
  const userByUid = new Map(linked.map((u) => [u.uid, u.id]));
  let notified = 0;
  for (const up of reached) {
    const userId = userByUid.get(up.uid);
    if (!userId) continue;
    const progress = tierProgress(ladder, up.after);
    const next =
      progress.next && progress.remaining ? ` ${money(progress.remaining)} more to ${progress.next.name}.` : '';
    const stored = await notify(deps, userId, {
      kind: 'tier',
      type: 'tier.up',
      title: `You reached ${up.tier}!`,
      body: `${up.name}'s all-time wager is now ${money(up.after)}.${next}`,
      link: `/players/${encodeURIComponent(up.uid)}`,
    });
    if (stored) notified++;
  }
  return { log, notified };
}
