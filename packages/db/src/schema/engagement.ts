import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, numeric, pgTable, serial, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, money, tstz, updatedAt } from './columns';
import { challengeStatus, entryStatus } from './enums';
import { ownerUserId, userRef } from './users';

/** "Hit a 100x on game X with a minimum bet of Y": prize Z for up to N winners. */
export const challenges = pgTable(
  'challenges',
  {
    id: serial('id').primaryKey(),
    title: text('title').notNull(),
    game: text('game').notNull(),
    minMultiplier: numeric('min_multiplier', { precision: 12, scale: 2 }).notNull(),
    minBet: money('min_bet').notNull(),
    prize: money('prize').notNull(),
    maxWinners: integer('max_winners').notNull(),
    /** How many entries one user may have in play (pending or approved) at once. */
    maxEntriesPerUser: integer('max_entries_per_user').notNull().default(1),
    startsAt: tstz('starts_at').notNull(),
    endsAt: tstz('ends_at').notNull(),
    status: challengeStatus('status').notNull().default('open'),
    createdBy: userRef('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('challenges_status_ends_at_idx').on(t.status, t.endsAt),
    check('challenges_max_winners_check', sql`${t.maxWinners} > 0`),
    check('challenges_max_entries_per_user_check', sql`${t.maxEntriesPerUser} > 0`),
  ],
);

export const challengeEntries = pgTable(
  'challenge_entries',
  {
    id: serial('id').primaryKey(),
    challengeId: integer('challenge_id')
      .notNull()
      .references(() => challenges.id, { onDelete: 'cascade' }),
    userId: ownerUserId(),
    /** Bet id or link to the bet, as the player submitted it (normalized). */
    betReference: text('bet_reference').notNull(),
    multiplier: numeric('multiplier', { precision: 12, scale: 2 }).notNull(),
    betAmount: money('bet_amount').notNull(),
    status: entryStatus('status').notNull().default('pending'),
    reviewedBy: userRef('reviewed_by'),
    reviewedAt: tstz('reviewed_at'),
    createdAt: createdAt(),
  },
  (t) => [
    // One bet may be claimed by several users (a dispute an admin settles), once by each.
    uniqueIndex('challenge_entries_bet_user_key').on(t.challengeId, t.betReference, t.userId),
    index('challenge_entries_bet_idx').on(t.challengeId, t.betReference),
    index('challenge_entries_challenge_status_idx').on(t.challengeId, t.status),
    index('challenge_entries_user_id_idx').on(t.userId),
  ],
);

export const bonusCodes = pgTable(
  'bonus_codes',
  {
    id: serial('id').primaryKey(),
    /** Stored upper-case; claims match case-insensitively. */
    code: text('code').notNull(),
    description: text('description').notNull().default(''),
    maxClaims: integer('max_claims').notNull(),
    claimsCount: integer('claims_count').notNull().default(0),
    /** Optional requirement: the claimant's linked player wagered at least this much this month. */
    minMonthlyWager: money('min_monthly_wager'),
    expiresAt: tstz('expires_at'),
    disabled: boolean('disabled').notNull().default(false),
    createdBy: userRef('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('bonus_codes_code_key').on(t.code),
    check('bonus_codes_claims_check', sql`${t.claimsCount} >= 0 AND ${t.claimsCount} <= ${t.maxClaims}`),
  ],
);

export const bonusClaims = pgTable(
  'bonus_claims',
  {
    id: serial('id').primaryKey(),
    codeId: integer('code_id')
      .notNull()
      .references(() => bonusCodes.id, { onDelete: 'cascade' }),
    userId: ownerUserId(),
    claimedAt: tstz('claimed_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('bonus_claims_code_user_key').on(t.codeId, t.userId),
    index('bonus_claims_user_id_idx').on(t.userId),
  ],
);
