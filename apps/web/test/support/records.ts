import { randomBytes } from 'node:crypto';

/** One player as the affiliate feed sends it. */
export interface PlayerRecord {
  uid: string;
  name: string;
  wagered: { today: string; this_week: string; this_month: string; all_time: string };
  updated_at: string;
}

/**
 * An upstream record whose month total is `month`: today a tenth of it (races count today), the
 * week half, all time three times.
 */
export function record(uid: string, name: string, month: number): PlayerRecord {
  return {
    uid,
    name,
    wagered: {
      today: (month / 10).toFixed(2),
      this_week: (month / 2).toFixed(2),
      this_month: month.toFixed(2),
      all_time: (month * 3).toFixed(2),
    },
    updated_at: new Date().toISOString(),
  };
}

/** A name no other test run uses. */
export function unique(prefix: string): string {
  return `${prefix}_${randomBytes(3).toString('hex')}`;
}
