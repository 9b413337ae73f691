import { sql } from 'drizzle-orm';
import { check, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { money, tstz } from './columns';
import { userRef } from './users';

/**
 * The VIP ladder: tiers by all-time wager, lowest first (`position` 1 is the entry tier, with
 * threshold 0). Replaced as a whole by an admin (`admin.vip.setTiers`); every instance keeps it
 * in memory and reloads it when told on the event bus.
 */
export const vipTiers = pgTable(
  'vip_tiers',
  {
    /** 1 for the lowest tier, counting up. */
    position: integer('position').primaryKey(),
    name: text('name').notNull(),
    /** All-time wager at which a player reaches the tier (same type as wagers). */
    threshold: money('threshold').notNull(),
    /** `#rrggbb`. */
    colour: text('colour').notNull(),
    updatedBy: userRef('updated_by'),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('vip_tiers_name_key').on(sql`lower(${t.name})`),
    uniqueIndex('vip_tiers_threshold_key').on(t.threshold),
    check('vip_tiers_position_check', sql`${t.position} between 1 and 30`),
    check('vip_tiers_threshold_check', sql`${t.threshold} >= 0`),
    check('vip_tiers_colour_check', sql`${t.colour} ~ '^#[0-9a-f]{6}$'`),
  ],
);
