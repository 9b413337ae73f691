import { type TrackedEnvelope, tracked } from '@trpc/server';

/** What a live stream shows and when it may have changed. */
export interface FeedSource<T> {
  /** The current value (one query, or a cached one). */
  load(): Promise<T>;
  /** True when `next` would show subscribers nothing new, so nothing is pushed. */
  same(previous: T, next: T): boolean;
  /** Calls `onChange` whenever the value may have changed; returns what stops watching. */
  watch(onChange: () => void): () => void;
}

export interface SharedFeedsOptions {
  /** At most one recomputation — and so one push — per stream per interval. */
  intervalMs: number;
  onError?: (error: unknown, key: string) => void;
}

/**
 * Live streams shared by every subscriber of the same key (e.g. one per leaderboard period and
 * size): one watcher, one timer and one recomputation per interval for all of them, and each
 * new value wrapped once — every subscriber receives the very same `tracked` envelope and data
 * object, so a transport can serialize it once per stream. A subscriber holds only the version
 * it last saw; a slow one skips straight to the newest value instead of queueing. The last
 * subscriber to leave stops the watcher and the timer and drops the stream.
 */
export class SharedFeeds<T> {
  private readonly feeds = new Map<string, Feed<T>>();

  constructor(private readonly options: SharedFeedsOptions) {}

  /** Streams currently open (each with at least one subscriber). */
  get size(): number {
    return this.feeds.size;
  }

  subscribers(key: string): number {
    return this.feeds.get(key)?.subscribers ?? 0;
  }

  /** The current value first, then each change — coalesced, and only when it differs. */
  async *subscribe(key: string, source: () => FeedSource<T>, signal?: AbortSignal): AsyncGenerator<TrackedEnvelope<T>> {
    let feed = this.feeds.get(key);
    if (!feed) {
      const created: Feed<T> = new Feed(
        source(),
        this.options.intervalMs,
        (error) => this.options.onError?.(error, key),
        () => {
          if (this.feeds.get(key) === created) this.feeds.delete(key);
        },
      );
      this.feeds.set(key, created);
      feed = created;
    }
    feed.subscribers++;
    try {
      await feed.ready;
      let seen = 0;
      while (!signal?.aborted) {
        const current = feed.current;
        if (current && feed.version > seen) {
          seen = feed.version;
          yield current;
          continue;
        }
        await feed.nextVersion(signal);
      }
    } finally {
      feed.release();
    }
  }
}

class Feed<T> {
  subscribers = 0;
  version = 0;
  current: TrackedEnvelope<T> | undefined;
  readonly ready: Promise<void>;
  private value: T | undefined;
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private dirty = false;
  private closed = false;
  private readonly unwatch: () => void;

  constructor(
    private readonly source: FeedSource<T>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly onClose: () => void,
  ) {
    // Watch before the first load, so a change made while it runs is not lost.
    this.unwatch = source.watch(() => this.changed());
    this.ready = source.load().then(
      (value) => this.publish(value),
      (error: unknown) => {
        // Nobody may join a stream that never started; waiting subscribers get the error.
        this.close();
        throw error;
      },
    );
  }

  /** Resolves when a newer version is out, or when `signal` aborts. */
  nextVersion(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  release(): void {
    this.subscribers--;
    if (this.subscribers === 0) this.close();
  }

  private changed(): void {
    if (this.closed) return;
    if (this.timer || this.refreshing) {
      this.dirty = true;
      return;
    }
    // Trailing edge: a burst of changes inside one interval becomes one recomputation.
    this.timer = setTimeout(() => void this.refresh(), this.intervalMs);
  }

  private async refresh(): Promise<void> {
    this.timer = undefined;
    this.refreshing = true;
    this.dirty = false;
    try {
      const value = await this.source.load();
      if (this.closed) return;
      if (this.value === undefined || !this.source.same(this.value, value)) this.publish(value);
    } catch (error) {
      // Subscribers keep the last value; the next change tries again.
      this.onError(error);
    } finally {
      this.refreshing = false;
      if (this.dirty && !this.closed) {
        this.dirty = false;
        this.timer = setTimeout(() => void this.refresh(), this.intervalMs);
      }
    }
  }

  private publish(value: T): void {
    this.value = value;
    this.version++;
    this.current = tracked(String(this.version), value);
    for (const wake of [...this.waiters]) wake();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unwatch();
    for (const wake of [...this.waiters]) wake();
    this.onClose();
  }
}
