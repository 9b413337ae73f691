import { schema } from '@goated/db';
import type { Period } from '@goated/validators';

/** The players column that holds each period's wager total. */
export const periodColumn = {
  today: schema.players.wagerToday,
  week: schema.players.wagerWeek,
  month: schema.players.wagerMonth,
  all: schema.players.wagerAllTime,
} as const satisfies Record<Period, unknown>;
