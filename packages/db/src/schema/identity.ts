import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  serial,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { createdAt, money, tstz, updatedAt } from './columns';
import { players } from './players';
import { races } from './races';
import { ownerUserId, userRef } from './users';

export const claimStatus = pgEnum('claim_status', ['pending', 'approved', 'rejected', 'cancelled']);
export const claimMethod = pgEnum('claim_method', ['name', 'uid']);

/**
 * "I am this casino player": a user's request to have a player linked to their account, pending
 * until an admin approves or rejects it. Approval sets `users.player_uid` (unique, so a player
 * belongs to at most one account).
 */
export const playerClaims = pgTable(
  'player_claims',
  {
    id: serial('id').primaryKey(),
    userId: ownerUserId(),
    playerUid: text('player_uid')
      .notNull()
      .references(() => players.uid, { onDelete: 'cascade' }),
    /** How the user named the player: the casino username or the uid. */
    method: claimMethod('method').notNull(),
    /** What the user typed (a name as the feed spelled it then, or the uid). */
    claimedAs: text('claimed_as').notNull(),
    status: claimStatus('status').notNull().default('pending'),
    /** Why it was rejected (shown to the user), or why it was closed without review. */
    reason: text('reason'),
    reviewedBy: userRef('reviewed_by'),
    reviewedAt: tstz('reviewed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // At most one pending claim per user; concurrent submissions are settled by this index.
    uniqueIndex('player_claims_one_pending_per_user').on(t.userId).where(sql`${t.status} = 'pending'`),
    index('player_claims_status_id_idx').on(t.status, t.id),
    index('player_claims_user_id_idx').on(t.userId, t.id),
    index('player_claims_player_uid_idx').on(t.playerUid),
  ],
);

/**
 * A user's notification inbox. `kind` is the preference it falls under (race position, race
 * results, claims, …), `type` the precise event (`claim.rejected`). A row is written for every
 * notification a user gets on any channel; `web` says whether it shows in the inbox, `telegram`
 * whether the bot delivers it.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: ownerUserId(),
    kind: text('kind').notNull(),
    type: text('type').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    /** A path on the dashboard the notification is about (`/races/3`), or null. */
    link: text('link'),
    web: boolean('web').notNull(),
    telegram: boolean('telegram').notNull(),
    readAt: tstz('read_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('notifications_user_id_idx').on(t.userId, t.id),
    // The bell's count: only a user's unread inbox rows.
    index('notifications_unread_idx').on(t.userId).where(sql`${t.readAt} is null and ${t.web}`),
    // The bot's replay after a reconnect: recent Telegram-bound rows by id.
    index('notifications_telegram_idx').on(t.id).where(sql`${t.telegram}`),
    index('notifications_created_at_idx').on(t.createdAt),
  ],
);

/** Per user and kind: whether to notify on the web and on Telegram. No row = the kind's default. */
export const notificationPreferences = pgTable(
  'notification_preferences',
  {
    userId: ownerUserId(),
    kind: text('kind').notNull(),
    web: boolean('web').notNull(),
    telegram: boolean('telegram').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] })],
);

/**
 * Where each linked player stands in each live race, recomputed after every change of the
 * wagers (so reading a user's standing costs a key lookup, not a ranking of the whole race),
 * and the rank they were last told about (so a move past the threshold is announced once,
 * whichever instance notices it first).
 */
export const racePositions = pgTable(
  'race_positions',
  {
    raceId: integer('race_id')
      .notNull()
      .references(() => races.id, { onDelete: 'cascade' }),
    playerUid: text('player_uid')
      .notNull()
      .references(() => players.uid, { onDelete: 'cascade' }),
    /** null while the player has wagered nothing inside the race window. */
    rank: integer('rank'),
    wagered: money('wagered').notNull(),
    /** The rank the player's account was last notified about (or first seen at); null: none yet. */
    notifiedRank: integer('notified_rank'),
    /** When that notice went out (null: never); notices for one race are spaced by a cooldown. */
    notifiedAt: tstz('notified_at'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.raceId, t.playerUid] }), index('race_positions_player_uid_idx').on(t.playerUid)],
);
