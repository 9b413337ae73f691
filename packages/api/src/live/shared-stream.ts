import { type AnyTRPCRouter, type TrackedEnvelope, tracked } from '@trpc/server';

/**
 * The push path of a shared stream. A transport that knows this symbol (our WebSocket handler)
 * attaches a sink and is called synchronously for each event; every other consumer (the SSE
 * adapter, server-side callers, tests) iterates the stream asynchronously as usual.
 */
export const subscribeDirect: unique symbol = Symbol.for('goated.realtime.subscribeDirect');

export interface StreamSink<T> {
  next(value: T): void;
  error(cause: unknown): void;
}

/** What a subscription procedure returns: a plain async iterable with an optional push path. */
export interface SharedSubscription<T> extends AsyncIterable<T> {
  /** Attaches a sink; the current value (if any) is pushed at once. Returns the detach function. */
  [subscribeDirect](sink: StreamSink<T>): () => void;
}

export function isSharedSubscription(value: unknown): value is SharedSubscription<unknown> {
  return typeof value === 'object' && value !== null && subscribeDirect in value;
}

/**
 * Whether the procedure at `path` declares (meta `sharedStream`) that it returns a shared
 * stream: its push path needs no abort signal, the detach function ends it.
 */
export function declaresSharedStream(router: AnyTRPCRouter, path: string): boolean {
  const procedure: unknown = router._def.procedures[path];
  if (typeof procedure !== 'function' || !('_def' in procedure)) return false;
  const def: unknown = procedure._def;
  if (typeof def !== 'object' || def === null || !('meta' in def)) return false;
  const meta: unknown = def.meta;
  return typeof meta === 'object' && meta !== null && 'sharedStream' in meta && meta.sharedStream === true;
}

export interface SharedStreamOptions<T> {
  /** Computes the current state (one query for every subscriber). */
  load(): Promise<T>;
  /** Subscribes to "something may have changed" notifications; returns the unsubscribe. */
  watch(onChange: () => void): () => void;
  /** Whether `next` differs from `prev` enough to push (default: always). */
  changed?(prev: T, next: T): boolean;
  /**
   * Coalescing: after a change, wait this long before reloading, so a burst of changes inside
   * one interval costs one reload and at most one push (trailing edge). 0 (default): reload at
   * once, one at a time, with at most one more queued.
   */
  intervalMs?: number;
  /** The last subscriber left; the owner drops the stream from its registry. */
  onIdle?(): void;
  /** A reload failed after the stream had a value: subscribers keep the last one. */
  onError?(cause: unknown): void;
}

/**
 * One producer, many subscribers: state is loaded once per change, wrapped once in a frozen
 * `tracked()` envelope, and that same object goes to every subscriber — so a transport can
 * serialize it once. Bursts of changes coalesce (one reload per `intervalMs`, one at a time),
 * and an asynchronous consumer that falls behind skips to the latest value instead of
 * queueing. Resuming (`lastEventId`) gets the current state: this is state, not a log.
 * Watching starts before the first load, so a change made while it runs is not lost.
 */
export class SharedStream<T> {
  private readonly sinks = new Set<StreamSink<TrackedEnvelope<T>>>();
  private current: TrackedEnvelope<T> | undefined;
  private version = 0;
  private unwatch: (() => void) | undefined;
  private loading = false;
  private reloadQueued = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SharedStreamOptions<T>) {}

  get subscriberCount(): number {
    return this.sinks.size;
  }

  /** A subscription handle for one subscriber; it ends when `signal` aborts. */
  subscribe(signal?: AbortSignal): SharedSubscription<TrackedEnvelope<T>> {
    return {
      [subscribeDirect]: (sink) => this.attach(sink, signal),
      [Symbol.asyncIterator]: () => this.iterate(signal),
    };
  }

  private attach(sink: StreamSink<TrackedEnvelope<T>>, signal: AbortSignal | undefined): () => void {
    if (signal?.aborted) return () => {};
    this.sinks.add(sink);
    let detach: () => void;
    if (signal) {
      detach = () => {
        signal.removeEventListener('abort', detach);
        this.release(sink);
      };
      signal.addEventListener('abort', detach, { once: true });
    } else {
      // Without a signal (the push path, ended by this function alone): no listener to remove.
      detach = this.release.bind(this, sink);
    }
    if (this.current) deliver(sink, this.current);
    if (!this.unwatch) this.start();
    return detach;
  }

  private release(sink: StreamSink<TrackedEnvelope<T>>): void {
    if (!this.sinks.delete(sink)) return;
    if (this.sinks.size === 0) this.stop();
  }

  private start(): void {
    this.unwatch = this.options.watch(() => this.changedUpstream());
    if (!this.current) this.reload();
  }

  private stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    this.current = undefined;
    this.reloadQueued = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.options.onIdle?.();
  }

  /** Something this stream shows may have changed. */
  private changedUpstream(): void {
    const intervalMs = this.options.intervalMs ?? 0;
    if (intervalMs <= 0) {
      this.reload();
      return;
    }
    // A reload is already scheduled: this change rides along with it.
    if (this.timer) return;
    if (this.loading) {
      this.reloadQueued = true;
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.unwatch) this.reload();
    }, intervalMs);
  }

  private reload(): void {
    if (this.loading) {
      this.reloadQueued = true;
      return;
    }
    this.loading = true;
    this.options.load().then(
      (value) => {
        this.loading = false;
        if (!this.unwatch) return; // everyone left while loading
        const prev = this.current;
        if (!prev || (this.options.changed?.(prev[1], value) ?? true)) {
          // Frozen through and through: an event never changes once published, so a transport
          // may encode it once for every subscriber (a later write throws instead of going
          // unseen behind a cached encoding).
          deepFreeze(value);
          const envelope = tracked(String(++this.version), value);
          Object.freeze(envelope);
          this.current = envelope;
          for (const sink of [...this.sinks]) deliver(sink, envelope);
        }
        this.afterLoad();
      },
      (cause: unknown) => {
        this.loading = false;
        if (!this.unwatch) return;
        if (this.current) {
          this.options.onError?.(cause);
        } else {
          // Nothing to show yet: fail the subscribers rather than leave them waiting.
          for (const sink of [...this.sinks]) sink.error(cause);
        }
        this.afterLoad();
      },
    );
  }

  private afterLoad(): void {
    if (this.reloadQueued && this.unwatch) {
      this.reloadQueued = false;
      this.changedUpstream();
    }
  }

  /** The asynchronous path: a one-slot mailbox, so a slow reader gets the latest value only. */
  private async *iterate(signal: AbortSignal | undefined): AsyncGenerator<TrackedEnvelope<T>> {
    let latest: TrackedEnvelope<T> | undefined;
    let failure: { cause: unknown } | undefined;
    let wake: (() => void) | undefined;
    const detach = this.attach(
      {
        next: (value) => {
          latest = value;
          wake?.();
        },
        error: (cause) => {
          failure = { cause };
          wake?.();
        },
      },
      signal,
    );
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        if (failure) throw failure.cause;
        if (!latest) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        const value = latest;
        latest = undefined;
        yield value;
      }
    } finally {
      detach();
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/**
 * Freezes `value` and every array and plain object inside it. (Dates, Maps and class instances
 * keep their own state; the streams' values are plain data.)
 */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
}

/** One subscriber's failure (e.g. its transport could not encode) must not stop the others. */
function deliver<T>(sink: StreamSink<T>, value: T): void {
  try {
    sink.next(value);
  } catch (cause) {
    sink.error(cause);
  }
}

/**
 * Streams by key, created on first use and dropped when their last subscriber leaves, so idle
 * keys hold nothing.
 */
export class SharedStreamRegistry<T> {
  private readonly streams = new Map<string, SharedStream<T>>();

  get(key: string, create: (onIdle: () => void) => SharedStream<T>): SharedStream<T> {
    let stream = this.streams.get(key);
    if (!stream) {
      stream = create(() => this.streams.delete(key));
      this.streams.set(key, stream);
    }
    return stream;
  }

  get size(): number {
    return this.streams.size;
  }

  /** Subscribers of one key's stream (0 when it has none). */
  subscribers(key: string): number {
    return this.streams.get(key)?.subscriberCount ?? 0;
  }
}
