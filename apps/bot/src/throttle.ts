/**
 * Per-Telegram-user budgets: a sliding window of attempts per key, bounded in memory (the least
 * recently active users are forgotten first; never more than `maxKeys` of them).
 */
export function slidingWindowLimiter(max: number, windowMs: number, now: () => Date, maxKeys = 10_000) {
  const attempts = new Map<number, number[]>();
  return (key: number): boolean => {
    const t = now().getTime();
    const recent = (attempts.get(key) ?? []).filter((at) => t - at < windowMs);
    const allowed = recent.length < max;
    if (allowed) recent.push(t);
    attempts.delete(key);
    attempts.set(key, recent);
    if (attempts.size > maxKeys) {
      const oldest = attempts.keys().next();
      if (!oldest.done) attempts.delete(oldest.value);
    }
    return allowed;
  };
}
