/** The leaderboard's periods: a client picks one, the server ranks by it. */
import { z } from 'zod';

export const periods = ['today', 'week', 'month', 'all'] as const;
export type Period = (typeof periods)[number];
export const periodSchema = z.enum(periods);
