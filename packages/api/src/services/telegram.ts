/**
 * Everything the bot asks of the server (the link itself: telegram-link.ts). The bot holds an
 * API key with the `bot` scope and relays who is talking to it (the Telegram user id); the
 * server decides what that Telegram user may do from the account linked to it — e.g. admin
 * commands check the linked user's role, and that the link is confirmed, here, not in the bot.
 */
import { type Db, schema } from '@goated/db';
import { TRPCError, tracked } from '@trpc/server';
import { and, asc, eq, gt, inArray, isNotNull, isNull, max, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppDeps } from '../context';
import { NotFoundError, notFound } from '../errors';
import { busEvents } from '../events/iterate';
import { type AuditActor, recordAudit } from './audit';
import { normalizeUsername } from './auth/credentials';
import { notificationKinds } from './notifications/kinds';
import { notifyEveryone } from './notifications/notify';
import { getPlayer, type PlayerProfile } from './players';
import { getRaceStandings, listRaces } from './races';
import { loadLadder } from './vip';

const { users, apiKeys, races, raceResults, notificationPreferences } = schema;

/** Longest broadcast text; leaves room under Telegram's 4096 for the bot's heading. */
export const BROADCAST_MAX_LENGTH = 3500;
/**
 * The bot counts as connected while its key was used this recently. API keys record their use
 * at most once a minute, and the bot calls the server at least every 30 s.
 */
export const BOT_SEEN_WITHIN_MS = 150_000;
/** Race ranks scanned for linked players' positions (the standings query is ordered and limited). */
const POSITION_SCAN_LIMIT = 10_000;

/** Telegram user ids fit in 52 bits. */
export const telegramIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const telegramIdInput = z.object({ telegramId: telegramIdSchema });

/** Admin commands name the Telegram user who sent them; the server checks that user's role. */
const requester = { requesterTelegramId: telegramIdSchema };

export const lookupUserInput = z.object({
  ...requester,
  username: z.string({ message: 'must be text' }).trim().min(1, 'is required').max(64, 'is too long'),
});

export const broadcastInput = z.object({
  ...requester,
  text: z
    .string({ message: 'must be text' })
    .trim()
    .min(1, 'must not be empty')
    .max(BROADCAST_MAX_LENGTH, `must be at most ${BROADCAST_MAX_LENGTH} characters`),
});

export const resumableInput = z.object({
  // Sent back by a reconnecting client: what finished since then is replayed.
  lastEventId: z.string().max(64).nullish(),
});

export interface LinkedUser {
  id: string;
  username: string;
  role: 'user' | 'admin';
  banned: boolean;
  telegramUsername: string | null;
  /** The affiliate player linked to the account: wagers and ranks per period. */
  player: PlayerProfile | null;
}

async function playerOf(db: Db, playerUid: string | null): Promise<PlayerProfile | null> {
  if (!playerUid) return null;
  try {
    return await getPlayer(db, playerUid, await loadLadder(db));
  } catch (err) {
    // Deleted between the two reads: the account simply has no player now.
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

/** The account linked to this Telegram user, or null. */
export async function userByTelegramId(db: Db, telegramId: number): Promise<LinkedUser | null> {
  const [row] = await db.select().from(users).where(eq(users.telegramId, telegramId));
  if (!row) return null;
  return {
    id: row.id,
    username: row.displayName,
    role: row.role,
    banned: row.banned,
    telegramUsername: row.telegramUsername,
    player: await playerOf(db, row.playerUid),
  };
}

/**
 * The linked admin behind an admin command, or FORBIDDEN. The link must be confirmed: a link
 * made with a leaked code alone must not broadcast to everyone in an admin's name.
 */
export async function requireLinkedAdmin(db: Db, telegramId: number): Promise<{ id: string }> {
  const [row] = await db
    .select({ id: users.id, role: users.role, banned: users.banned, confirmedAt: users.telegramConfirmedAt })
    .from(users)
    .where(eq(users.telegramId, telegramId));
  if (row?.role !== 'admin' || row.banned) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Only a linked admin account may do this' });
  }
  if (!row.confirmedAt) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'Confirm this Telegram link on your profile first, with the code the bot sent when you linked',
    });
  }
  return { id: row.id };
}

export interface UserLookup {
  id: string;
  username: string;
  role: 'user' | 'admin';
  banned: boolean;
  bannedAt: Date | null;
  createdAt: Date;
  telegram: { linked: boolean; username: string | null };
  player: PlayerProfile | null;
}

/** `/user NAME`: an admin looks a user up from Telegram. Audited as the linked admin. */
export async function lookupUser(
  db: Db,
  actor: AuditActor,
  input: z.output<typeof lookupUserInput>,
): Promise<UserLookup> {
  const admin = await requireLinkedAdmin(db, input.requesterTelegramId);
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.username, normalizeUsername(input.username.normalize('NFKC'))));
  if (!row) throw notFound('User');
  await recordAudit(
    db,
    { ...actor, userId: admin.id },
    { action: 'telegram.userLookup', targetType: 'user', targetId: row.id },
  );
  return {
    id: row.id,
    username: row.displayName,
    role: row.role,
    banned: row.banned,
    bannedAt: row.bannedAt,
    createdAt: row.createdAt,
    telegram: { linked: row.telegramId !== null, username: row.telegramUsername },
    player: await playerOf(db, row.playerUid),
  };
}

export interface Broadcast {
  text: string;
  /** Telegram ids of every linked, non-banned account; the bot sends to each. */
  recipients: number[];
}

/**
 * `/broadcast TEXT`: the server checks the admin and returns who to send to; the bot sends
 * (it alone talks to Telegram, under Telegram's rate limits). Audited with the text.
 */
export async function broadcast(
  deps: Pick<AppDeps, 'db' | 'bus' | 'log'>,
  actor: AuditActor,
  input: z.output<typeof broadcastInput>,
): Promise<Broadcast> {
  const { db } = deps;
  const admin = await requireLinkedAdmin(db, input.requesterTelegramId);
  // Those who turned Telegram announcements off are left out (no preference row: the default, on).
  const rows = await db
    .select({ telegramId: users.telegramId })
    .from(users)
    .leftJoin(
      notificationPreferences,
      and(eq(notificationPreferences.userId, users.id), eq(notificationPreferences.kind, 'announcements')),
    )
    .where(
      and(
        isNotNull(users.telegramId),
        eq(users.banned, false),
        sql`coalesce(${notificationPreferences.telegram}, ${notificationKinds.announcements.defaults.telegram})`,
      ),
    )
    .orderBy(asc(users.telegramId));
  const recipients = rows.map((r) => r.telegramId).filter((id): id is number => id !== null);
  await recordAudit(
    db,
    { ...actor, userId: admin.id },
    { action: 'telegram.broadcast', details: { text: input.text, recipients: recipients.length } },
  );
  // The dashboard's inbox gets it too (the bot delivers the Telegram side and reports back).
  await notifyEveryone(deps, { kind: 'announcements', type: 'announcement', title: 'Announcement', body: input.text });
  return { text: input.text, recipients };
}

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
  const linked = await db
    .select({ uid: users.playerUid, telegramId: users.telegramId })
    .from(users)
    .where(and(isNotNull(users.playerUid), isNotNull(users.telegramId), eq(users.banned, false)));
  const telegramByUid = new Map<string, number>();
  for (const row of linked) if (row.uid !== null && row.telegramId !== null) telegramByUid.set(row.uid, row.telegramId);

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

export interface RaceWinner {
  rank: number;
  uid: string;
  name: string;
  wagered: string;
  prize: string;
  /** The winner's linked Telegram account, if any. */
  telegramId: number | null;
}

export interface FinishedRace {
  raceId: number;
  name: string;
  at: string;
  winners: RaceWinner[];
}

async function telegramIdsOf(db: Db, playerUids: string[]): Promise<Map<string, number>> {
  if (playerUids.length === 0) return new Map();
  const rows = await db
    .select({ uid: users.playerUid, telegramId: users.telegramId })
    .from(users)
    .where(and(inArray(users.playerUid, playerUids), isNotNull(users.telegramId), eq(users.banned, false)));
  const map = new Map<string, number>();
  for (const row of rows) if (row.uid !== null && row.telegramId !== null) map.set(row.uid, row.telegramId);
  return map;
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
    const results = await db
      .select({
        rank: raceResults.rank,
        uid: raceResults.playerUid,
        name: raceResults.playerName,
        wagered: raceResults.wagered,
        prize: raceResults.prize,
      })
      .from(raceResults)
      .where(and(eq(raceResults.raceId, race.id), sql`${raceResults.rank} <= ${race.prizeSplit.length}`))
      .orderBy(asc(raceResults.rank));
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
  const ids = await telegramIdsOf(
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

export interface BotConnection {
  /** A `bot`-scoped API key called the server within the last few minutes. */
  connected: boolean;
  lastSeenAt: Date | null;
}

/** Whether the bot is talking to the server, from its key's last use (shared by every instance). */
export async function botConnection(db: Db, now = new Date()): Promise<BotConnection> {
  const [row] = await db
    .select({ lastSeenAt: max(apiKeys.lastUsedAt) })
    .from(apiKeys)
    .where(and(sql`${apiKeys.scopes} @> '["bot"]'::jsonb`, isNull(apiKeys.revokedAt)));
  const lastSeenAt = row?.lastSeenAt ?? null;
  return { connected: lastSeenAt !== null && now.getTime() - lastSeenAt.getTime() < BOT_SEEN_WITHIN_MS, lastSeenAt };
}
