import { sql } from 'drizzle-orm';
import { date, index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, money, tstz, updatedAt } from './columns';

/** A referred player as the affiliate's upstream feed reports them, keyed by upstream uid. */
export const players = pgTable(
  'players',
  {
    uid: text('uid').primaryKey(),
    name: text('name').notNull(),
    wagerToday: money('wager_today').notNull().default('0'),
    wagerWeek: money('wager_week').notNull().default('0'),
    wagerMonth: money('wager_month').notNull().default('0'),
    wagerAllTime: money('wager_all_time').notNull().default('0'),
    /** Upstream's own timestamp of the figures above; older batches never overwrite newer. */
    upstreamUpdatedAt: tstz('upstream_updated_at').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // One index per leaderboard period, matching ORDER BY wager DESC, uid ASC exactly.
    index('players_rank_today_idx').on(t.wagerToday.desc(), t.uid),
    index('players_rank_week_idx').on(t.wagerWeek.desc(), t.uid),
    index('players_rank_month_idx').on(t.wagerMonth.desc(), t.uid),
    index('players_rank_all_time_idx').on(t.wagerAllTime.desc(), t.uid),
    index('players_name_search_idx').on(sql`lower(${t.name}) text_pattern_ops`),
  ],
);

/** What a player wagered on one UTC day: the series behind charts and race standings. */
export const playerWagerDays = pgTable(
  'player_wager_days',
  {
    playerUid: text('player_uid')
      .notNull()
      .references(() => players.uid, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    wagered: money('wagered').notNull(),
    upstreamUpdatedAt: tstz('upstream_updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.playerUid, t.day] }),
    // Race standings sum a day range across all players.
    index('player_wager_days_day_idx').on(t.day, t.playerUid),
  ],
);
