import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, serial, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, money, tstz, updatedAt } from './columns';
import { raceStatus } from './enums';
import { players } from './players';
import { users } from './users';

/**
 * A time-boxed wager competition. Standings count what players wagered on the UTC days
 * inside [startsAt, endsAt); `prizeSplit[i]` is the prize for rank i + 1.
 */
export const races = pgTable(
  'races',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    startsAt: tstz('starts_at').notNull(),
    endsAt: tstz('ends_at').notNull(),
    prizePool: money('prize_pool').notNull(),
    prizeSplit: jsonb('prize_split').$type<string[]>().notNull(),
    status: raceStatus('status').notNull().default('upcoming'),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    finalizedAt: tstz('finalized_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('races_status_starts_at_idx').on(t.status, t.startsAt),
    index('races_ends_at_idx').on(t.endsAt),
    check('races_window_check', sql`${t.endsAt} > ${t.startsAt}`),
  ],
);

/** Frozen once when a race is finalized; never changed afterwards. */
export const raceResults = pgTable(
  'race_results',
  {
    raceId: integer('race_id')
      .notNull()
      .references(() => races.id, { onDelete: 'cascade' }),
    rank: integer('rank').notNull(),
    playerUid: text('player_uid')
      .notNull()
      .references(() => players.uid),
    playerName: text('player_name').notNull(),
    wagered: money('wagered').notNull(),
    prize: money('prize').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.raceId, t.rank] }),
    uniqueIndex('race_results_race_player_key').on(t.raceId, t.playerUid),
    index('race_results_player_uid_idx').on(t.playerUid),
  ],
);
