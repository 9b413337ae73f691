/**
 * Results of read queries, kept until an event says the data changed (`clear()`), so a hot
 * query costs no database round-trip. Concurrent misses of one key share one load; a load
 * that was running when the cache was cleared is handed to its callers but never stored.
 * Bounded: least recently used entries go first, and no entry outlives `maxAgeMs` (a bound on
 * staleness should an invalidation ever be lost, e.g. while a cross-instance bus reconnects).
 */
export interface QueryCacheOptions {
  maxEntries: number;
  maxAgeMs: number;
  now?: () => number;
}

interface Entry<V> {
  value: Promise<V>;
  expiresAt: number;
}

export class QueryCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly now: () => number;
  private hitCount = 0;
  private missCount = 0;

  constructor(private readonly options: QueryCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The cached value of `key`, or `load()`'s. `expiresAt` may bring an entry's end forward
   * once its value is known (e.g. a race's standings expire when the race starts or ends).
   */
  get(key: string, load: () => Promise<V>, expiresAt?: (value: V) => number | undefined): Promise<V> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) {
      this.hitCount++;
      // Re-insert: Map order is the LRU order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    this.missCount++;
    const entry: Entry<V> = { value: load(), expiresAt: now + this.options.maxAgeMs };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    entry.value.then(
      (value) => {
        const end = expiresAt?.(value);
        if (end !== undefined && end < entry.expiresAt) entry.expiresAt = end;
      },
      () => {
        // Failures are not cached: the next caller tries again.
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  /** Forget everything: the data behind every entry may have changed. */
  clear(): void {
    this.entries.clear();
  }

  stats(): { entries: number; hits: number; misses: number } {
    return { entries: this.entries.size, hits: this.hitCount, misses: this.missCount };
  }
}
