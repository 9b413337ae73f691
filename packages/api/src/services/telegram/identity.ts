/**
 * The account behind a Telegram user id. The bot relays who is talking to it; every decision
 * about what that person may do starts here, from the account linked to the id.
 */
import { type Db, schema } from '@goated/db';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { AppDeps } from '../../context';
import { ForbiddenError, NotFoundError } from '../../errors';
import { getPlayer, type PlayerProfile } from '../players';
import { loadLadder } from '../vip';

const { users } = schema;

/** Why a link made with the first code alone does not count yet. */
/** What the bot's account and claim procedures use: they notify, publish and read live standings. */
export type TelegramDeps = Pick<AppDeps, 'db' | 'bus' | 'log' | 'live'>;

export const CONFIRM_LINK_FIRST =
  'Confirm this Telegram link on your profile first, with the code the bot sent when you linked';

export interface LinkedAccount {
  id: string;
  username: string;
  role: 'user' | 'admin';
  banned: boolean;
  playerUid: string | null;
  telegramUsername: string | null;
  /** When the link was confirmed on the dashboard (null: not yet). */
  confirmedAt: Date | null;
}

/** The account linked to this Telegram user, or null. */
export async function findLinkedAccount(db: Db, telegramId: number): Promise<LinkedAccount | null> {
  const [row] = await db
    .select({
      id: users.id,
      username: users.displayName,
      role: users.role,
      banned: users.banned,
      playerUid: users.playerUid,
      telegramUsername: users.telegramUsername,
      confirmedAt: users.telegramConfirmedAt,
    })
    .from(users)
    .where(eq(users.telegramId, telegramId));
  return row ?? null;
}

/** FORBIDDEN for a banned account: nothing is done on its behalf. */
export function notBanned(account: LinkedAccount): LinkedAccount {
  if (account.banned) throw new ForbiddenError('This account is banned');
  return account;
}

/** The account linked to this Telegram user: NOT_FOUND when none, FORBIDDEN when banned. */
export async function requireLinkedAccount(db: Db, telegramId: number): Promise<LinkedAccount> {
  const account = await findLinkedAccount(db, telegramId);
  if (!account) throw new NotFoundError('No account is linked to this Telegram user');
  return notBanned(account);
}

/**
 * The linked admin behind an admin command, or FORBIDDEN. The link must be confirmed: a link
 * made with a leaked code alone must not broadcast to everyone in an admin's name.
 */
export async function requireLinkedAdmin(db: Db, telegramId: number): Promise<{ id: string }> {
  const row = await findLinkedAccount(db, telegramId);
  if (row?.role !== 'admin' || row.banned) {
    throw new ForbiddenError('Only a linked admin account may do this');
  }
  if (!row.confirmedAt) throw new ForbiddenError(CONFIRM_LINK_FIRST);
  return { id: row.id };
}

export interface LinkedUser extends Pick<LinkedAccount, 'id' | 'username' | 'role' | 'banned' | 'telegramUsername'> {
  /** The affiliate player linked to the account: wagers and ranks per period. */
  player: PlayerProfile | null;
}

/** The account linked to this Telegram user, with its player, or null. */
export async function userByTelegramId(db: Db, telegramId: number): Promise<LinkedUser | null> {
  const row = await findLinkedAccount(db, telegramId);
  if (!row) return null;
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    banned: row.banned,
    telegramUsername: row.telegramUsername,
    player: await playerOf(db, row.playerUid),
  };
}

/** The profile of an account's linked player; null when it has none (or it was just deleted). */
export async function playerOf(db: Db, playerUid: string | null): Promise<PlayerProfile | null> {
  if (!playerUid) return null;
  try {
    return await getPlayer(db, playerUid, await loadLadder(db));
  } catch (err) {
    // Deleted between the two reads: the account simply has no player now.
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

/**
 * The Telegram id of each player's linked, non-banned account: of `playerUids`, or of every
 * linked player when none are named.
 */
export async function telegramIdsByPlayer(db: Db, playerUids?: string[]): Promise<Map<string, number>> {
  if (playerUids?.length === 0) return new Map();
  const rows = await db
    .select({ uid: users.playerUid, telegramId: users.telegramId })
    .from(users)
    .where(
      and(
        playerUids ? inArray(users.playerUid, playerUids) : isNotNull(users.playerUid),
        isNotNull(users.telegramId),
        eq(users.banned, false),
      ),
    );
  const ids = new Map<string, number>();
  for (const row of rows) if (row.uid !== null && row.telegramId !== null) ids.set(row.uid, row.telegramId);
  return ids;
}
