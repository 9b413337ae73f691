import type { IncomingMessage } from 'node:http';
import {
  type AnyTRPCRouter,
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  type inferRouterContext,
  TRPCError,
} from '@trpc/server';
import type { TRPCRequestInfo } from '@trpc/server/http';
import { isObservable } from '@trpc/server/observable';
import type { TRPCClientOutgoingMessage, TRPCResponseMessage } from '@trpc/server/rpc';
import type { RawData, WebSocket } from 'ws';
import type { Frame } from './frames';
import { closeCodes, type MessageBudget, nowMs, spendBudget } from './limits';
import {
  connectionLevel,
  type ErrorTarget,
  errorShape,
  inputWithLastEventId,
  parseCalls,
  parseConnectionParams,
  payloadOf,
  type RequestId,
} from './protocol';
import { isAsyncIterable, Subscription, SubscriptionTable } from './subscription';
import type { RealtimeTransport } from './transport';

type ContextResult<TCtx> = { ok: true; ctx: TCtx } | { ok: false; error: TRPCError };
type CallType = 'query' | 'mutation' | 'subscription' | 'unknown';

/** The call an error answers, for `onError` and the error formatter. */
export interface CallInfo {
  path: string | undefined;
  type: CallType;
  input: unknown;
}

const OPEN = 1;
const noCall: CallInfo = { path: undefined, type: 'unknown', input: undefined };

/**
 * The per-connection state: kept deliberately small (thousands of these per instance). The
 * socket's listeners are the transport's, shared: they call `onMessage`, `onSocketError`,
 * `closed`, and set `heard` on a pong.
 */
export class Connection<TRouter extends AnyTRPCRouter> implements MessageBudget {
  /** Keep-alive slots, read by the transport's sweep. */
  heard = false;
  quietSince: number;
  pingSentAt = 0;
  readonly openedAt: number;
  awaitingParams = false;
  readonly subscriptions = new SubscriptionTable<Subscription<TRouter>>();
  private ctx: inferRouterContext<TRouter> | undefined;
  /** While the context is being made; afterwards `ctx` or `refusal` says how it went. */
  private ctxReady: Promise<ContextResult<inferRouterContext<TRouter>>> | undefined;
  /** Why the context was refused: every call on this connection is answered with it. */
  private refusal: TRPCError | undefined;
  /** Its message budget (a token bucket: `spendBudget`), in fields of its own. */
  tokens: number;
  refilledAt: number;
  private closing = false;
  private abortController: AbortController | undefined;
  /**
   * The upgrade request, kept only until the context is made (at once, or from `connectionParams`):
   * held for the socket's life (headers, HTTP response, Fastify's objects) it cost several KB.
   */
  private req: IncomingMessage | undefined;

  constructor(
    readonly transport: RealtimeTransport<TRouter>,
    readonly socket: WebSocket,
    req: IncomingMessage,
  ) {
    this.req = req;
    const now = nowMs();
    this.openedAt = now;
    this.quietSince = now;
    this.tokens = transport.options.limits.messageBurst;
    this.refilledAt = now;
  }

  /** Starts serving: the context now, or — `?connectionParams=1`, as tRPC's convention — from the first message. */
  open(): void {
    this.awaitingParams = /[?&]connectionParams=1(?:&|$)/.test(this.req?.url ?? '');
    if (!this.awaitingParams) this.startContext(() => null);
  }

  get requestId(): string | undefined {
    const ctx: unknown = this.ctx;
    return typeof ctx === 'object' && ctx !== null && 'requestId' in ctx && typeof ctx.requestId === 'string'
      ? ctx.requestId
      : undefined;
  }

  ping(now: number): void {
    this.pingSentAt = now;
    if (this.socket.readyState === OPEN) this.socket.ping();
  }

  terminate(): void {
    this.closing = true;
    this.socket.terminate();
  }

  /** The one going-away path (shutdown, deploy, accepted while shutting down): tRPC's `reconnect`
   * notice (a client reconnects at once, to an instance that stays), then a 1001 close. */
  goAway(): void {
    if (this.socket.readyState !== OPEN || this.closing) return;
    this.send(this.transport.reconnectFrame);
    this.cutOff(closeCodes.goingAway, 'server shutting down');
  }

  /** Closes this connection with a code and a reason; stops its subscriptions at once. */
  cutOff(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.awaitingParams = false;
    this.stopAll();
    this.socket.close(code, reason);
    // The close frame waits behind whatever is buffered: a slow reader gets it once it has
    // caught up; a stuck one is cut after a grace period instead of holding memory.
    setTimeout(() => this.socket.terminate(), 5000).unref();
  }

  /** The socket is gone (any reason): free every subscription. */
  closed(): void {
    this.closing = true;
    this.stopAll();
    this.controller().abort();
  }

  /** Its signal aborts when the socket goes. Made on first use: subscribe-only connections never need it (~0.5 KB). */
  private controller(): AbortController {
    this.abortController ??= new AbortController();
    return this.abortController;
  }

  private stopAll(): void {
    for (const subscription of this.subscriptions.values()) subscription.stop(false);
  }

  onSocketError(err: Error & { code?: string }): void {
    const { stats, log } = this.transport.options;
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      // `ws` has already closed the connection with 1009.
      stats.messageTooLarge++;
      log.info({ requestId: this.requestId }, 'websocket message over the size limit; connection closed');
      return;
    }
    log.debug({ err }, 'websocket error');
  }

  private overBudget(count: number): boolean {
    const { stats, limits, log } = this.transport.options;
    if (spendBudget(this, limits, count)) return false;
    stats.messageRate++;
    log.info({ requestId: this.requestId }, 'websocket over its message rate; closed');
    this.cutOff(closeCodes.rateLimited, `too many messages (limit ${limits.messagesPerSecond}/s)`);
    return true;
  }

  onMessage(data: RawData, isBinary: boolean): void {
    this.heard = true;
    if (this.closing) return;
    this.transport.options.stats.messagesIn++;
    if (this.overBudget(1)) return;
    const payload = payloadOf(data, isBinary);
    // Text keep-alives, in any state (before the connectionParams too), as tRPC's adapter does.
    if (payload === 'PING') {
      this.send('PONG');
      return;
    }
    if (payload === 'PONG') return;

    const { codec } = this.transport;
    if (this.awaitingParams) {
      this.awaitingParams = false;
      this.startContext(() => parseConnectionParams(codec, payload));
      return;
    }
    let decoded: unknown;
    try {
      decoded = codec.decode(payload);
    } catch (cause) {
      this.sendError(connectionLevel, new TRPCError({ code: 'PARSE_ERROR', cause }));
      return;
    }
    const { router, limits } = this.transport.options;
    const { calls, runs } = parseCalls(decoded, router._def._config.transformer, limits.maxBatchSize);
    // The message paid for one call; a batch pays for the rest (a refused one runs nothing).
    if (runs > 1 && this.overBudget(runs - 1)) return;
    calls.forEach((call, index) => {
      if (call.ok) this.handle(call.message, index);
      else this.sendError(call.to, call.error);
    });
  }

  private handle(message: TRPCClientOutgoingMessage, batchIndex: number): void {
    const { id, jsonrpc } = message;
    if (id === null) {
      this.sendError({ id, jsonrpc }, new TRPCError({ code: 'PARSE_ERROR', message: '`id` is required' }));
      return;
    }
    if (message.method === 'subscription.stop') {
      this.subscriptions.get(id)?.stop(true);
      return;
    }
    const { path } = message.params;
    const input = inputWithLastEventId(message.params.input, message.params.lastEventId);
    const call: CallInfo = { path, type: message.method, input };
    if (message.method !== 'subscription') {
      void this.call(message.method, id, jsonrpc, call, batchIndex);
      return;
    }
    const { limits, stats, log } = this.transport.options;
    if (this.subscriptions.has(id)) {
      this.sendError({ id, jsonrpc }, new TRPCError({ code: 'BAD_REQUEST', message: `Duplicate id ${id}` }), call);
      return;
    }
    if (this.subscriptions.size >= limits.maxSubscriptions) {
      stats.subscriptionLimit++;
      const reason = `too many subscriptions (limit ${limits.maxSubscriptions})`;
      this.sendError({ id, jsonrpc }, new TRPCError({ code: 'TOO_MANY_REQUESTS', message: reason }), call);
      log.info({ requestId: this.requestId }, 'websocket over its subscription limit; closed');
      this.cutOff(closeCodes.tooManySubscriptions, reason);
      return;
    }
    const subscription = new Subscription(this, id, jsonrpc, this.transport.canonicalPath(path), input);
    this.subscriptions.set(subscription);
    stats.subscriptionStarted();
    void subscription.start(batchIndex);
  }

  /** Queries and mutations over the socket (the dashboard sends them over HTTP). */
  private async call(
    type: 'query' | 'mutation',
    id: RequestId,
    jsonrpc: '2.0' | undefined,
    call: CallInfo,
    batchIndex: number,
  ): Promise<void> {
    const context = await this.context();
    if (!context.ok) {
      this.sendError({ id, jsonrpc }, context.error, call);
      return;
    }
    try {
      const data = await callTRPCProcedure({
        router: this.transport.options.router,
        path: call.path ?? '',
        getRawInput: async () => call.input,
        ctx: context.ctx,
        type,
        signal: this.controller().signal,
        batchIndex,
      });
      if (isObservable(data) || isAsyncIterable(data)) {
        throw new TRPCError({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: `Cannot return an async iterable or observable from a ${type} procedure with WebSockets`,
        });
      }
      this.respond({ id, jsonrpc, result: { type: 'data', data } });
    } catch (cause) {
      this.sendError({ id, jsonrpc }, cause, call);
    }
  }

  context(): Promise<ContextResult<inferRouterContext<TRouter>>> {
    if (this.ctxReady) return this.ctxReady;
    if (this.ctx !== undefined) return Promise.resolve({ ok: true, ctx: this.ctx });
    const error = this.refusal ?? new TRPCError({ code: 'BAD_REQUEST', message: 'No connection context' });
    return Promise.resolve({ ok: false, error });
  }

  /** Makes the context; the promise is let go once settled (memory: `ctx` or `refusal` stays). */
  private startContext(connectionParams: () => TRPCRequestInfo['connectionParams']): void {
    const ready = this.createContext(connectionParams);
    this.ctxReady = ready;
    void ready.then(() => {
      if (this.ctxReady === ready) this.ctxReady = undefined;
    });
  }

  private async createContext(
    connectionParams: () => TRPCRequestInfo['connectionParams'],
  ): Promise<ContextResult<inferRouterContext<TRouter>>> {
    const req = this.req;
    if (!req) {
      return this.refuse(new TRPCError({ code: 'BAD_REQUEST', message: 'No connection context' }), 0);
    }
    try {
      return await this.makeContext(req, connectionParams);
    } finally {
      // Made once per connection: the request is not needed after it.
      this.req = undefined;
    }
  }

  private async makeContext(
    req: IncomingMessage,
    connectionParams: () => TRPCRequestInfo['connectionParams'],
  ): Promise<ContextResult<inferRouterContext<TRouter>>> {
    let params: TRPCRequestInfo['connectionParams'];
    try {
      params = connectionParams();
    } catch (cause) {
      // Unreadable connectionParams: a client bug no retry mends. As tRPC's adapter, the
      // `id: null` error and the close at once.
      return this.refuse(getTRPCErrorFromUnknown(cause), 0);
    }
    const connection = this;
    try {
      this.ctx = await this.transport.options.createContext({
        req,
        res: this.socket,
        info: {
          connectionParams: params,
          calls: [],
          isBatchCall: false,
          accept: null,
          type: 'unknown',
          get signal() {
            return connection.controller().signal;
          },
          url: null,
        },
      });
      return { ok: true, ctx: this.ctx };
    } catch (cause) {
      return this.refuse(getTRPCErrorFromUnknown(cause), this.transport.options.refusedHoldMs ?? 1000);
    }
  }

  /**
   * A refused context (bad credentials, bad connectionParams). As tRPC's adapter: an `id: null`
   * error — standard clients take it as a refusal and back off — and every call that was
   * waiting for the context gets that error with its own id, as does every call that arrives
   * until the close (subscriptions refused for a reason a retry can mend excepted: see
   * `Subscription.start`). The close (1008) comes after `holdMs`: a client reconnecting
   * without backoff then makes one attempt per `holdMs`, not hundreds per second.
   */
  private refuse(error: TRPCError, holdMs: number): ContextResult<inferRouterContext<TRouter>> {
    this.sendError(connectionLevel, error);
    this.refusal = error;
    const close = () => this.cutOff(closeCodes.policyViolation, `connection refused: ${error.code}`);
    // The calls waiting for the context are answered first (they resume in this turn).
    if (holdMs <= 0) setImmediate(close);
    else setTimeout(close, holdMs).unref();
    return { ok: false, error };
  }

  send(frame: Frame): void {
    if (this.socket.readyState !== OPEN) return;
    this.socket.send(frame, { binary: this.transport.encoder.isBinary(frame) });
    this.transport.options.stats.messagesOut++;
  }

  respond(message: TRPCResponseMessage): void {
    if (this.socket.readyState !== OPEN) return;
    this.send(this.transport.encoder.encode(message));
  }

  /** The hot path: one subscription event to this socket (cached bytes when `immutable`). */
  deliver(subscription: Subscription<TRouter>, value: unknown, immutable: boolean): void {
    const socket = this.socket;
    if (socket.readyState !== OPEN || this.closing) return;
    const { limits, stats, log } = this.transport.options;
    if (socket.bufferedAmount > limits.maxBufferedBytes) {
      stats.slowConsumersDropped++;
      log.info(
        { requestId: this.requestId, bufferedBytes: socket.bufferedAmount },
        'websocket reading too slowly; dropped',
      );
      this.cutOff(closeCodes.slowConsumer, `slow consumer: over ${limits.maxBufferedBytes} bytes unread`);
      return;
    }
    const { encoder } = this.transport;
    const frame = encoder.data(subscription.id, subscription.jsonrpc, value, immutable);
    socket.send(frame, { binary: encoder.isBinary(frame) });
    stats.messagesOut++;
  }

  sendError(to: ErrorTarget, cause: unknown, call: CallInfo = noCall): void {
    const { router, onError, stats, log } = this.transport.options;
    const error = getTRPCErrorFromUnknown(cause);
    // Refused connections (bad credentials, counted once) and refused calls (missing role) alike.
    if ((error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN') && (to.id === null || error !== this.refusal)) {
      stats.authFailures++;
    }
    const info = { error, type: call.type, path: call.path, input: call.input, ctx: this.ctx };
    try {
      onError?.({ ...info, req: this.req });
    } catch (err) {
      log.error({ err }, 'onError threw');
    }
    this.respond({ ...to, error: errorShape(router, info, log) });
  }
}
