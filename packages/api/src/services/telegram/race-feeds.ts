/**
 * What the bot watches in races: where each linked player stands in the live ones (for moves),
 * and every race finalized, with the winners' Telegram ids (for congratulations).
 */
import { type Db, schema } from '@goated/db';
import { tracked } from '@trpc/server';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { AppDeps } from '../../context';
import { busEvents } from '../../events/iterate';
import { getRaceStandings, listRaces, type RaceResult, raceResultsOf } from '../races';
import { loadLadder } from '../vip';
import { telegramIdsByPlayer } from './identity';

const { races } = schema;

/** Race ranks scanned for linked players' positions (the standings query is ordered and limited). */
const POSITION_SCAN_LIMIT = 10_000;

export interface LinkedRacePosition {
  telegramId: number;
  uid: string;
  name: string;
  rank: number;
  wagered: string;
  /** What the rank pays now ("0.00" outside the paid ranks). */
  prize: string;
}

export interface LiveRacePositions {
  raceId: number;
  name: string;
  endsAt: Date;
  /** Linked players with a wager in the race, best first. */
  positions: LinkedRacePosition[];
}

/** Where each linked player stands in every live race (the bot watches these for moves). */
export async function livePositions(db: Db, now = new Date()): Promise<LiveRacePositions[]> {
  const { races: live } = await listRaces(db, { status: 'live', limit: 100, cursor: null }, now);
  if (live.length === 0) return [];
  const telegramByUid = await telegramIdsByPlayer(db);

  const result: LiveRacePositions[] = [];
  const ladder = telegramByUid.size > 0 ? await loadLadder(db) : null;
  for (const race of live) {
    const positions: LinkedRacePosition[] = [];
    if (ladder) {
      // The same standings /race shows, so ranks agree with what users see.
      const { standings } = await getRaceStandings(db, { raceId: race.id, limit: POSITION_SCAN_LIMIT }, ladder, now);
      for (const s of standings) {
        const telegramId = telegramByUid.get(s.uid);
        if (telegramId !== undefined) {
          positions.push({ telegramId, uid: s.uid, name: s.name, rank: s.rank, wagered: s.wagered, prize: s.prize });
        }
      }
    }
    result.push({ raceId: race.id, name: race.name, endsAt: race.endsAt, positions });
  }
  return result;
}

export interface RaceWinner extends RaceResult {
  /** The winner's linked Telegram account, if any. */
  telegramId: number | null;
}

export interface FinishedRace {
  raceId: number;
  name: string;
  at: string;
  winners: RaceWinner[];
}

/** `<finalized at, ms>:<race id>`: ordered by time, so a reconnect can ask for what came later. */
function finishedEventId(at: string, raceId: number): string {
  return `${Date.parse(at)}:${raceId}`;
}

function finishedSince(lastEventId: string | null | undefined): Date | null {
  const ms = Number(lastEventId?.split(':')[0]);
  return lastEventId && Number.isFinite(ms) ? new Date(ms) : null;
}

/** Races finalized since `since`, rebuilt from their frozen results. */
async function finishedRacesSince(db: Db, since: Date): Promise<FinishedRace[]> {
  // A minute of overlap covers clock skew between instances; consumers dedupe by race id.
  const rows = await db
    .select()
    .from(races)
    .where(and(eq(races.status, 'completed'), gt(races.finalizedAt, new Date(since.getTime() - 60_000))))
    .orderBy(asc(races.finalizedAt))
    .limit(100);
  const finished: FinishedRace[] = [];
  for (const race of rows) {
    // Ranks run 1, 2, … with no gaps: the first ranks are exactly the paid ones.
    const results = await raceResultsOf(db, race.id, race.prizeSplit.length);
    finished.push({
      raceId: race.id,
      name: race.name,
      at: (race.finalizedAt ?? race.updatedAt).toISOString(),
      winners: results.map((r) => ({ ...r, telegramId: null })),
    });
  }
  return finished;
}

async function withTelegramIds(db: Db, race: FinishedRace): Promise<FinishedRace> {
  const ids = await telegramIdsByPlayer(
    db,
    race.winners.map((w) => w.uid),
  );
  return { ...race, winners: race.winners.map((w) => ({ ...w, telegramId: ids.get(w.uid) ?? null })) };
}

/**
 * Every race finalized from now on, with each winner's linked Telegram id, as tracked events:
 * a client that reconnects with `lastEventId` first gets the races finalized meanwhile (from
 * the frozen results; possibly one it already had — dedupe by race id).
 */
export async function* finishedRaces(
  deps: Pick<AppDeps, 'db' | 'bus'>,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
) {
  // Listening starts before the replay so nothing finalized during it is missed.
  const events = busEvents(deps.bus, 'race.finished', signal, { maxQueued: 1000 });
  try {
    const since = finishedSince(lastEventId);
    if (since) {
      for (const race of await finishedRacesSince(deps.db, since)) {
        yield tracked(finishedEventId(race.at, race.raceId), await withTelegramIds(deps.db, race));
      }
    }
    for await (const event of events) {
      const race: FinishedRace = {
        raceId: event.raceId,
        name: event.name,
        at: event.at,
        winners: event.winners.map((w) => ({ ...w, telegramId: null })),
      };
      yield tracked(finishedEventId(race.at, race.raceId), await withTelegramIds(deps.db, race));
    }
  } finally {
    await events.return(undefined);
  }
}
