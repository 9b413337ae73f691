import type { Period } from '@goated/validators';
import type { LeaderboardEntry, LeaderboardPage } from './leaderboard';

/** The periods with an MVP: the #1 of the day, the week and the month. */
export const mvpPeriods = ['today', 'week', 'month'] as const satisfies readonly Period[];

/** A period's #1 (their wager in that period, and their tier by all-time wager). */
export type Mvp = Omit<LeaderboardEntry, 'rank'>;

export interface Mvps {
  /** null when nobody has wagered in the period yet. */
  today: Mvp | null;
  week: Mvp | null;
  month: Mvp | null;
  generatedAt: Date;
}

export function mvpOf(page: LeaderboardPage): Mvp | null {
  const first = page.entries[0];
  if (!first) return null;
  return { uid: first.uid, name: first.name, wagered: first.wagered, tier: first.tier };
}
