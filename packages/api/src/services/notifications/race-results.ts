/** Tells linked winners of a finalized race what they won (web and Telegram, per their preferences). */
import { schema } from '@goated/db';
import { and, eq, inArray } from 'drizzle-orm';
import type { AppEvents } from '../../events/bus';
import { money, place } from './format';
import { type NotifyDeps, notify } from './notify';

const { users } = schema;

const medals = ['🥇', '🥈', '🥉'];

/** Called once per race, by the finalization that froze its results. */
export async function notifyRaceWinners(
  deps: NotifyDeps,
  race: Pick<AppEvents['race.finished'], 'raceId' | 'name' | 'winners'>,
): Promise<number> {
  const uids = race.winners.map((w) => w.uid);
  if (uids.length === 0) return 0;
  const linked = await deps.db
    .select({ id: users.id, uid: users.playerUid })
    .from(users)
    .where(and(inArray(users.playerUid, uids), eq(users.banned, false)));
  const userByUid = new Map(linked.map((u) => [u.uid, u.id]));
  let told = 0;
  for (const winner of race.winners) {
    const userId = userByUid.get(winner.uid);
    if (!userId) continue;
    const medal = medals[winner.rank - 1];
    const won = winner.prize !== '0.00' ? `You won ${money(winner.prize)}! ` : '';
    const stored = await notify(deps, userId, {
      kind: 'raceResults',
      type: 'race.won',
      title: `${race.name} is over: you finished ${place(winner.rank)}${medal ? ` ${medal}` : ''}`,
      body: `${won}You wagered ${money(winner.wagered)} as ${winner.name}.`,
      link: `/races/${race.raceId}`,
    });
    if (stored) told++;
  }
  return told;
}
