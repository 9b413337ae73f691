import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { createdAt, money, tstz, updatedAt } from './columns';
import { raceCadence, raceStatus } from './enums';
import { players } from './players';
import { userRef } from './users';

/**
 * A recurring race: every week (on `startDay`, 1 = Monday … 7 = Sunday) or every month (on day
 * `startDay`, 1–28) at `startTime` in `timeZone`, lasting one week or one calendar month. The
 * scheduler creates each race `leadHours` before it starts; a race made from a template keeps
 * the values it was made with, so editing the template changes only the races made after.
 */
export const raceTemplates = pgTable(
  'race_templates',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    cadence: raceCadence('cadence').notNull(),
    startDay: smallint('start_day').notNull(),
    /** "HH:MM", wall-clock time in `timeZone`. */
    startTime: text('start_time').notNull(),
    /** An IANA zone, e.g. "Europe/Berlin". */
    timeZone: text('time_zone').notNull(),
    prizePool: money('prize_pool').notNull(),
    prizeSplit: jsonb('prize_split').$type<string[]>().notNull(),
    /** Players below this total inside the window are not ranked. */
    minWager: money('min_wager').notNull().default('0'),
    leadHours: integer('lead_hours').notNull().default(48),
    active: boolean('active').notNull().default(true),
    createdBy: userRef('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [check('race_templates_lead_check', sql`${t.leadHours} between 1 and 2000`)],
);

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
    createdBy: userRef('created_by'),
    /** Players below this total inside the window are not ranked ("0" = anyone who wagered). */
    minWager: money('min_wager').notNull().default('0'),
    /** The template this race was made from; (template, start) is unique: made once. */
    templateId: integer('template_id').references(() => raceTemplates.id, { onDelete: 'set null' }),
    /** Players ranked when the race was finalized (for the overview). */
    participants: integer('participants'),
    finalizedAt: tstz('finalized_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('races_status_starts_at_idx').on(t.status, t.startsAt),
    index('races_ends_at_idx').on(t.endsAt),
    uniqueIndex('races_template_start_key').on(t.templateId, t.startsAt),
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
