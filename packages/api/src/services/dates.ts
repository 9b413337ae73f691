const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of the UTC day containing `d`. */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

export function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * DAY_MS);
}

/**
 * The UTC days a time window covers, as [first, afterLast): every day that has an instant
 * in [start, end). Wager history is kept per day, so races count whole days.
 */
export function dayRange(start: Date, end: Date): { from: string; to: string } {
  const lastInstant = new Date(end.getTime() - 1);
  return { from: utcDay(start), to: utcDay(addDays(startOfUtcDay(lastInstant), 1)) };
}
