import { schema } from '@goated/db';
import { z } from 'zod';

export const periods = ['today', 'week', 'month', 'all'] as const;
export type Period = (typeof periods)[number];
export const periodSchema = z.enum(periods);

/** The players column that holds each period's wager total. */
export const periodColumn = {
  today: schema.players.wagerToday,
  week: schema.players.wagerWeek,
  month: schema.players.wagerMonth,
  all: schema.players.wagerAllTime,
} as const;
