import { declaresSharedStream, isSharedSubscription, type StreamSink, subscribeDirect } from '@goated/api/server';
import { type AnyTRPCRouter, callTRPCProcedure, TRPCError } from '@trpc/server';
import { isObservable } from '@trpc/server/observable';
import type { Connection } from './connection';
import { isRetryable, type RequestId } from './protocol';

/**
 * One running subscription: an id, how it is fed, and how to stop it. Its frames are tRPC's:
 * `started` once the procedure has returned a stream; `data` per event; `stopped` when the stream
 * completes, when the client stops it, and after the error of a stream that fails once started.
 * A subscription refused before it started (unknown path, bad input, refused context, not a
 * stream) gets its error alone — except on a context refused for a reason a retry can mend
 * (SERVICE_UNAVAILABLE…), where it gets nothing and the client's reconnect sends it again.
 *
 * Memory (thousands per instance, issue #22): a procedure that declares a shared stream (meta
 * `sharedStream`) is called without an abort signal — its detach function ends it, and a Node
 * `AbortSignal` costs ~0.9 KB with its listener — and the subscription is that stream's sink
 * itself (`next`/`error`), not an object of arrow functions (each ~0.3 KB under tsx).
 */
export class Subscription<TRouter extends AnyTRPCRouter> implements StreamSink<unknown> {
  private started = false;
  private ended = false;
  /** Made only for procedures that may read their signal (every one but shared streams). */
  private abort: AbortController | undefined;
  private detach: (() => void) | undefined;
  private iterator: AsyncIterator<unknown> | undefined;

  constructor(
    private readonly connection: Connection<TRouter>,
    readonly id: RequestId,
    readonly jsonrpc: '2.0' | undefined,
    private readonly path: string,
    private readonly input: unknown,
  ) {}

  async start(batchIndex: number): Promise<void> {
    const context = await this.connection.context();
    if (this.ended) return;
    if (!context.ok) {
      // A refusal a retry can mend leaves the subscription to the client, which sends it again
      // after reconnecting (with backoff): it resumes once the cause has passed. Any other
      // refusal (bad credentials) is final: its error.
      if (isRetryable(context.error)) this.stop(false);
      else this.fail(context.error);
      return;
    }
    const { router } = this.connection.transport.options;
    const shared = declaresSharedStream(router, this.path);
    if (!shared) this.abort = new AbortController();
    let source: unknown;
    try {
      source = await callTRPCProcedure({
        router,
        path: this.path,
        getRawInput: async () => this.input,
        ctx: context.ctx,
        type: 'subscription',
        signal: this.abort?.signal,
        batchIndex,
      });
    } catch (cause) {
      this.fail(cause);
      return;
    }
    if (this.ended) {
      // Stopped while the procedure was being called: release what it returned.
      if (isAsyncIterable(source)) void source[Symbol.asyncIterator]().return?.();
      return;
    }
    if (shared && !isSharedSubscription(source)) {
      // Declared shared but not: without a signal it could not be ended. A bug in the procedure.
      if (isAsyncIterable(source)) void source[Symbol.asyncIterator]().return?.();
      this.fail(
        new TRPCError({
          code: 'INTERNAL_SERVER_ERROR',
          message: `Subscription ${this.path} is declared a shared stream but did not return one`,
        }),
      );
      return;
    }
    if (!isSharedSubscription(source) && !isObservable(source) && !isAsyncIterable(source)) {
      this.fail(
        new TRPCError({
          code: 'INTERNAL_SERVER_ERROR',
          message: `Subscription ${this.path} did not return an observable or a AsyncGenerator`,
        }),
      );
      return;
    }
    this.started = true;
    this.connection.respond({ id: this.id, jsonrpc: this.jsonrpc, result: { type: 'started' } });

    if (isSharedSubscription(source)) {
      // This subscription is the sink (`next`, `error` below).
      this.attach(source[subscribeDirect](this));
    } else if (isObservable(source)) {
      const subscription = source.subscribe({
        next: (value) => this.push(value, false),
        error: (cause) => this.fail(cause),
        complete: () => this.complete(),
      });
      this.attach(() => subscription.unsubscribe());
    } else {
      this.iterator = source[Symbol.asyncIterator]();
      this.pump();
    }
  }

  /**
   * The shared stream's push path: its events are frozen envelopes, one per event, never
   * changed, so they may be encoded once for all subscribers.
   */
  next(value: unknown): void {
    this.push(value, true);
  }

  /** The shared stream failed (or this subscription's delivery did). */
  error(cause: unknown): void {
    this.fail(cause);
  }

  /** Keeps `detach` for later, or calls it at once if the stream already ended while attaching. */
  private attach(detach: () => void): void {
    if (this.ended) detach();
    else this.detach = detach;
  }

  /** One `then` per event: no race against the signal (stop() ends it without waiting). */
  private pump(): void {
    const iterator = this.iterator;
    if (!iterator) return;
    iterator.next().then(
      (step) => {
        if (this.ended) return;
        if (step.done) {
          this.complete();
          return;
        }
        this.push(step.value, false);
        this.pump();
      },
      (cause: unknown) => {
        if (!this.ended) this.fail(cause);
      },
    );
  }

  /** One event to the socket; a value that cannot be encoded ends this subscription only. */
  private push(value: unknown, immutable: boolean): void {
    if (this.ended) return;
    try {
      this.connection.deliver(this, value, immutable);
    } catch (cause) {
      this.fail(cause);
    }
  }

  /** The client stopped it (`notify`) or the connection went away. */
  stop(notify: boolean): void {
    if (this.finish() && notify) this.sendStopped();
  }

  private complete(): void {
    if (this.finish()) this.sendStopped();
  }

  private fail(cause: unknown): void {
    if (!this.finish()) return;
    this.connection.sendError({ id: this.id, jsonrpc: this.jsonrpc }, cause, {
      path: this.path,
      type: 'subscription',
      input: this.input,
    });
    if (this.started) this.sendStopped();
  }

  private sendStopped(): void {
    this.connection.respond({ id: this.id, jsonrpc: this.jsonrpc, result: { type: 'stopped' } });
  }

  /** Releases everything once; false if already done. */
  private finish(): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.connection.subscriptions.delete(this.id);
    this.connection.transport.stats.subscriptionEnded();
    this.abort?.abort();
    this.detach?.();
    this.detach = undefined;
    const iterator = this.iterator;
    this.iterator = undefined;
    // A generator suspended in `await` finishes this when it next settles; its signal is aborted.
    iterator?.return?.().catch((err: unknown) => {
      this.connection.transport.options.log.warn({ err, path: this.path }, 'subscription cleanup failed');
    });
    return true;
  }
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * A connection's subscriptions by id. Nearly every connection holds one: it has a slot of its
 * own, and a Map is made only for a second one (a Map's table alone is ~0.15 KB; issue #22).
 */
export class SubscriptionTable<T extends { readonly id: RequestId }> {
  private one: T | undefined;
  private many: Map<RequestId, T> | undefined;

  get size(): number {
    if (this.many) return this.many.size;
    return this.one ? 1 : 0;
  }

  get(id: RequestId): T | undefined {
    if (this.many) return this.many.get(id);
    return this.one?.id === id ? this.one : undefined;
  }

  has(id: RequestId): boolean {
    return this.get(id) !== undefined;
  }

  set(item: T): void {
    if (this.many) {
      this.many.set(item.id, item);
    } else if (!this.one || this.one.id === item.id) {
      this.one = item;
    } else {
      this.many = new Map([
        [this.one.id, this.one],
        [item.id, item],
      ]);
      this.one = undefined;
    }
  }

  delete(id: RequestId): boolean {
    if (this.many) return this.many.delete(id);
    if (this.one?.id !== id) return false;
    this.one = undefined;
    return true;
  }

  /** A copy, in the order they were added: stopping one takes it out of the table. */
  values(): T[] {
    if (this.many) return [...this.many.values()];
    return this.one ? [this.one] : [];
  }
}
