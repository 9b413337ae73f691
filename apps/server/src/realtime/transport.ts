import type { IncomingMessage } from 'node:http';
import { isSharedSubscription, subscribeDirect } from '@goated/api';
import {
  type AnyTRPCRouter,
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  type inferRouterContext,
  TRPCError,
} from '@trpc/server';
import type { CreateWSSContextFnOptions } from '@trpc/server/adapters/ws';
import { type BaseHandlerOptions, parseConnectionParamsFromUnknown, type TRPCRequestInfo } from '@trpc/server/http';
import { isObservable, type Unsubscribable } from '@trpc/server/observable';
import {
  parseTRPCMessage,
  TRPC_ERROR_CODES_BY_KEY,
  type TRPCClientOutgoingMessage,
  type TRPCResponseMessage,
} from '@trpc/server/rpc';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { FrameEncoder } from './frames';
import type { RealtimeCounters } from './stats';

/** Close codes a client sees, with a reason naming the limit. */
export const closeCodes = {
  /** RFC 6455: the server is going away (shutdown, deploy). Clients reconnect elsewhere. */
  goingAway: 1001,
  /** RFC 6455: the connection's context was refused (e.g. bad credentials). */
  policyViolation: 1008,
  /** RFC 6455: a message over `maxMessageBytes` (sent by `ws` itself). */
  messageTooBig: 1009,
  /** The client did not read fast enough: its send buffer passed `maxBufferedBytes`. */
  slowConsumer: 4008,
  /** More messages per second than the connection's budget. */
  rateLimited: 4029,
  /** More concurrent subscriptions than one connection may hold. */
  tooManySubscriptions: 4030,
} as const;

export interface TransportLimits {
  /** Largest incoming frame in bytes; enforced by `ws` (`maxPayload`), which closes with 1009. */
  maxMessageBytes: number;
  /** Sustained incoming messages per second per connection (token bucket)… */
  messagesPerSecond: number;
  /** …and the burst it allows. A batch counts one per call in it. */
  messageBurst: number;
  maxSubscriptions: number;
  /** A connection whose unsent bytes pass this is closed as a slow consumer. */
  maxBufferedBytes: number;
}

export interface KeepAliveOptions {
  /** Ping a connection after this long without hearing from it. */
  pingMs: number;
  /** Close it if nothing arrives this long after the ping. */
  pongWaitMs: number;
}

type OnError<TRouter extends AnyTRPCRouter> = NonNullable<BaseHandlerOptions<TRouter, IncomingMessage>['onError']>;

export interface TransportOptions<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  /** The same context factory as HTTP and SSE; called once per connection, as in tRPC's adapter. */
  createContext: (
    opts: CreateWSSContextFnOptions,
  ) => inferRouterContext<TRouter> | Promise<inferRouterContext<TRouter>>;
  onError?: OnError<TRouter>;
  limits: TransportLimits;
  keepAlive: KeepAliveOptions;
  stats: RealtimeCounters;
  log: FastifyBaseLogger;
  /** How long a `?connectionParams=1` connection may take to send them (default 10 s). */
  connectionParamsTimeoutMs?: number;
}

const OPEN = 1;
const RECONNECT_NOTICE = JSON.stringify({ id: null, method: 'reconnect' });

/**
 * For deploys and restarts (@fastify/websocket's `preClose`): every client gets tRPC's
 * `reconnect` notice — a standard client opens a new socket, through the load balancer to an
 * instance that stays — then a 1001 close.
 */
export function sendGoingAway(wss: WebSocketServer): void {
  for (const socket of wss.clients) {
    if (socket.readyState !== OPEN) continue;
    socket.send(RECONNECT_NOTICE);
    socket.close(closeCodes.goingAway, 'server shutting down');
  }
}

type ContextResult<TCtx> = { ok: true; ctx: TCtx } | { ok: false };
type RequestId = number | string;

/**
 * The tRPC WebSocket protocol — the same messages as `@trpc/server/adapters/ws`, so `wsLink`
 * and every other standard client work unchanged — built for fan-out:
 *
 * - an event is serialized once per stream (`FrameEncoder`), not once per subscriber;
 * - a shared stream (`subscribeDirect`) pushes straight into the socket: no promise, no
 *   iterator step per subscriber per event; other async iterables and observables are consumed
 *   with one `then` per event (no per-event race against the abort signal);
 * - per connection: a small object, one timer-free keep-alive slot (one sweep for all);
 * - limits: incoming size (ws), rate (token bucket), subscriptions per connection, and the
 *   send buffer of a slow consumer — each closes only the offending connection, with a code
 *   and a reason.
 */
export class RealtimeTransport<TRouter extends AnyTRPCRouter> {
  readonly encoder: FrameEncoder;
  private readonly connections = new Set<Connection<TRouter>>();
  private readonly sweep: NodeJS.Timeout;
  private shuttingDown = false;

  constructor(readonly options: TransportOptions<TRouter>) {
    this.encoder = new FrameEncoder(options.router._def._config);
    const { pingMs, pongWaitMs } = options.keepAlive;
    const tick = Math.max(25, Math.min(pingMs, pongWaitMs) / 4);
    this.sweep = setInterval(() => this.checkLiveness(), tick);
    this.sweep.unref();
  }

  get stats(): RealtimeCounters {
    return this.options.stats;
  }

  /** Serves one upgraded socket. */
  accept(socket: WebSocket, req: IncomingMessage): void {
    if (this.shuttingDown) {
      socket.close(closeCodes.goingAway, 'server shutting down');
      return;
    }
    const connection = new Connection(this, socket, req);
    this.connections.add(connection);
    this.stats.connectionOpened();
    socket.once('close', () => {
      this.connections.delete(connection);
      this.stats.connectionClosed();
      connection.closed();
    });
  }

  /** Open connections right now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops the keep-alive sweep and sends any connection still open away (see `sendGoingAway`). */
  shutdown(): void {
    this.shuttingDown = true;
    clearInterval(this.sweep);
    for (const connection of this.connections) connection.goAway();
  }

  private checkLiveness(): void {
    const now = performance.now();
    const { pingMs, pongWaitMs } = this.options.keepAlive;
    const paramsTimeout = this.options.connectionParamsTimeoutMs ?? 10_000;
    for (const connection of this.connections) {
      if (connection.heard) {
        connection.heard = false;
        connection.quietSince = now;
        connection.pingSentAt = 0;
      } else if (connection.pingSentAt !== 0) {
        if (now - connection.pingSentAt >= pongWaitMs) {
          this.stats.keepAliveTimeouts++;
          this.options.log.info({ requestId: connection.requestId }, 'websocket stopped answering pings; dropped');
          connection.terminate();
        }
      } else if (now - connection.quietSince >= pingMs) {
        connection.ping(now);
      }
      if (connection.awaitingParams && now - connection.openedAt > paramsTimeout) {
        connection.cutOff(closeCodes.policyViolation, 'connectionParams not received in time');
      }
    }
  }
}

/** The per-connection state: kept deliberately small (thousands of these per instance). */
class Connection<TRouter extends AnyTRPCRouter> {
  heard = false;
  quietSince: number;
  pingSentAt = 0;
  readonly openedAt: number;
  awaitingParams: boolean;
  private ctx: inferRouterContext<TRouter> | undefined;
  private ctxReady: Promise<ContextResult<inferRouterContext<TRouter>>> | null = null;
  readonly subscriptions = new Map<RequestId, Subscription<TRouter>>();
  private tokens: number;
  private refilledAt: number;
  private closing = false;
  /** Set once the context was refused: the next request closes the connection. */
  private refusal: string | undefined;
  private readonly abort = new AbortController();

  constructor(
    readonly transport: RealtimeTransport<TRouter>,
    readonly socket: WebSocket,
    readonly req: IncomingMessage,
  ) {
    const now = performance.now();
    this.openedAt = now;
    this.quietSince = now;
    this.refilledAt = now;
    this.tokens = transport.options.limits.messageBurst;
    // Same convention as tRPC's adapter: `?connectionParams=1` means the first message carries them.
    this.awaitingParams = /[?&]connectionParams=1(?:&|$)/.test(req.url ?? '');
    if (!this.awaitingParams) this.ctxReady = this.createContext(null);

    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => {
      this.heard = true;
    });
    socket.on('error', (err: Error & { code?: string }) => this.onSocketError(err));
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

  goAway(): void {
    if (this.socket.readyState !== OPEN) return;
    this.socket.send(RECONNECT_NOTICE);
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
    this.abort.abort();
  }

  private stopAll(): void {
    for (const subscription of this.subscriptions.values()) subscription.stop(false);
  }

  private onSocketError(err: Error & { code?: string }): void {
    const { stats, log } = this.transport.options;
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      // `ws` has already closed the connection with 1009.
      stats.messageTooLarge++;
      log.info({ requestId: this.requestId }, 'websocket message over the size limit; connection closed');
      return;
    }
    log.debug({ err }, 'websocket error');
  }

  /** Token bucket: `messagesPerSecond` sustained, `messageBurst` at once. */
  private spend(count: number): boolean {
    const { messagesPerSecond, messageBurst } = this.transport.options.limits;
    const now = performance.now();
    this.tokens = Math.min(messageBurst, this.tokens + ((now - this.refilledAt) * messagesPerSecond) / 1000);
    this.refilledAt = now;
    this.tokens -= count;
    return this.tokens >= 0;
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    this.heard = true;
    if (this.closing) return;
    const { stats, limits } = this.transport.options;
    stats.messagesIn++;
    if (!this.spend(1)) {
      stats.messageRate++;
      this.transport.options.log.info({ requestId: this.requestId }, 'websocket over its message rate; closed');
      this.cutOff(closeCodes.rateLimited, `too many messages (limit ${limits.messagesPerSecond}/s)`);
      return;
    }
    if (isBinary) {
      this.sendError(
        null,
        undefined,
        new TRPCError({ code: 'UNPROCESSABLE_CONTENT', message: 'Expected text frames' }),
      );
      return;
    }
    const text = data.toString();
    if (text === 'PING') {
      this.send('PONG');
      return;
    }
    if (text === 'PONG') return;

    if (this.awaitingParams) {
      this.awaitingParams = false;
      this.ctxReady = this.createContext(text);
      return;
    }
    if (this.refusal) {
      // Requests on a refused connection are not answered one by one: the close (and the
      // earlier `id: null` error) is the answer, and the client retries them later.
      this.cutOff(closeCodes.policyViolation, this.refusal);
      return;
    }

    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (cause) {
      this.sendError(null, undefined, new TRPCError({ code: 'PARSE_ERROR', message: 'Malformed JSON', cause }));
      return;
    }
    const items = Array.isArray(raw) ? raw : [raw];
    if (items.length > 1 && !this.spend(items.length - 1)) {
      stats.messageRate++;
      this.cutOff(closeCodes.rateLimited, `too many messages (limit ${limits.messagesPerSecond}/s)`);
      return;
    }
    const { transformer } = this.transport.options.router._def._config;
    items.forEach((item, index) => {
      let message: TRPCClientOutgoingMessage;
      try {
        message = parseTRPCMessage(item, transformer);
      } catch (cause) {
        this.sendError(null, undefined, new TRPCError({ code: 'PARSE_ERROR', cause }));
        return;
      }
      this.handle(message, index);
    });
  }

  private handle(message: TRPCClientOutgoingMessage, batchIndex: number): void {
    const { id, jsonrpc } = message;
    if (id === null) {
      this.sendError(null, jsonrpc, new TRPCError({ code: 'PARSE_ERROR', message: '`id` is required' }));
      return;
    }
    if (message.method === 'subscription.stop') {
      this.subscriptions.get(id)?.stop(true);
      return;
    }
    const { path, lastEventId } = message.params;
    let input = message.params.input;
    if (lastEventId !== undefined) {
      // As tRPC's adapter does: the resumption point becomes part of the input.
      input = typeof input === 'object' && input !== null ? { ...input, lastEventId } : (input ?? { lastEventId });
    }

    if (message.method !== 'subscription') {
      void this.call(message.method, id, jsonrpc, path, input, batchIndex);
      return;
    }
    const { limits, stats, log } = this.transport.options;
    if (this.subscriptions.has(id)) {
      this.sendError(id, jsonrpc, new TRPCError({ code: 'BAD_REQUEST', message: `Duplicate id ${id}` }), path);
      return;
    }
    if (this.subscriptions.size >= limits.maxSubscriptions) {
      stats.subscriptionLimit++;
      const reason = `too many subscriptions (limit ${limits.maxSubscriptions})`;
      this.sendError(id, jsonrpc, new TRPCError({ code: 'TOO_MANY_REQUESTS', message: reason }), path);
      log.info({ requestId: this.requestId }, 'websocket over its subscription limit; closed');
      this.cutOff(closeCodes.tooManySubscriptions, reason);
      return;
    }
    const subscription = new Subscription(this, id, jsonrpc, path);
    this.subscriptions.set(id, subscription);
    stats.subscriptionStarted();
    void subscription.start(input, batchIndex);
  }

  /** Queries and mutations over the socket (the dashboard sends them over HTTP). */
  private async call(
    type: 'query' | 'mutation',
    id: RequestId,
    jsonrpc: '2.0' | undefined,
    path: string,
    input: unknown,
    batchIndex: number,
  ): Promise<void> {
    const context = await this.context();
    if (!context.ok) return;
    try {
      const data = await callTRPCProcedure({
        router: this.transport.options.router,
        path,
        getRawInput: async () => input,
        ctx: context.ctx,
        type,
        signal: this.abort.signal,
        batchIndex,
      });
      if (isObservable(data) || isAsyncIterable(data)) {
        throw new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: `A ${type} cannot return a stream` });
      }
      this.respond({ id, jsonrpc, result: { type: 'data', data } });
    } catch (cause) {
      this.sendError(id, jsonrpc, cause, path, type, input);
    }
  }

  context(): Promise<ContextResult<inferRouterContext<TRouter>>> {
    return this.ctxReady ?? Promise.resolve({ ok: false });
  }

  private async createContext(paramsText: string | null): Promise<ContextResult<inferRouterContext<TRouter>>> {
    const { createContext } = this.transport.options;
    try {
      let connectionParams: TRPCRequestInfo['connectionParams'] = null;
      if (paramsText !== null) {
        try {
          const message: unknown = JSON.parse(paramsText);
          if (typeof message !== 'object' || message === null || !('data' in message)) {
            throw new Error('expected {"method":"connectionParams","data":{…}}');
          }
          connectionParams = parseConnectionParamsFromUnknown(message.data);
        } catch (cause) {
          throw new TRPCError({ code: 'PARSE_ERROR', message: 'Malformed connectionParams message', cause });
        }
      }
      this.ctx = await createContext({
        req: this.req,
        res: this.socket,
        info: {
          connectionParams,
          calls: [],
          isBatchCall: false,
          accept: null,
          type: 'unknown',
          signal: this.abort.signal,
          url: null,
        },
      });
      return { ok: true, ctx: this.ctx };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      // Like tRPC's adapter: an `id: null` error, which standard clients take as a refusal and
      // answer with backoff. The close waits for the client's first request (or a grace
      // period): a lazy client that sees the close before it has sent its subscription drops
      // the subscription ("Active connection is not open") instead of retrying it later.
      this.sendError(null, undefined, error, undefined, 'unknown');
      this.refusal = `connection refused: ${error.code}`;
      this.stopAll();
      setTimeout(() => this.cutOff(closeCodes.policyViolation, this.refusal ?? 'connection refused'), 1000).unref();
      return { ok: false };
    }
  }

  send(frame: string | Buffer): void {
    if (this.socket.readyState !== OPEN) return;
    this.socket.send(frame, { binary: false });
    this.transport.options.stats.messagesOut++;
  }

  respond(message: TRPCResponseMessage): void {
    if (this.socket.readyState !== OPEN) return;
    this.send(this.transport.encoder.encode(message));
  }

  /** The hot path: one subscription event to this socket, as cached bytes. */
  deliver(subscription: Subscription<TRouter>, value: unknown): void {
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
    socket.send(this.transport.encoder.data(subscription.id, subscription.jsonrpc, value), { binary: false });
    stats.messagesOut++;
  }

  sendError(
    id: RequestId | null,
    jsonrpc: '2.0' | undefined,
    cause: unknown,
    path?: string,
    type: 'query' | 'mutation' | 'subscription' | 'unknown' = 'unknown',
    input?: unknown,
  ): void {
    const { router, onError, stats } = this.transport.options;
    const error = getTRPCErrorFromUnknown(cause);
    // Refused connections (bad credentials) and refused calls (missing role) alike.
    if (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN') stats.authFailures++;
    try {
      onError?.({ error, type, path, input, ctx: this.ctx, req: this.req });
    } catch (err) {
      this.transport.options.log.error({ err }, 'onError threw');
    }
    let shape: ReturnType<typeof getTRPCErrorShape>;
    try {
      shape = getTRPCErrorShape({ config: router._def._config, error, type, path, input, ctx: this.ctx });
    } catch (err) {
      this.transport.options.log.error({ err }, 'errorFormatter threw');
      shape = {
        code: TRPC_ERROR_CODES_BY_KEY.INTERNAL_SERVER_ERROR,
        message: 'Internal server error',
        data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 },
      };
    }
    this.respond({ id, jsonrpc, error: shape });
  }
}

/** One running subscription: an id, how it is fed, and how to stop it. */
class Subscription<TRouter extends AnyTRPCRouter> {
  private ended = false;
  private readonly abort = new AbortController();
  private detach: (() => void) | undefined;
  private iterator: AsyncIterator<unknown> | undefined;

  constructor(
    private readonly connection: Connection<TRouter>,
    readonly id: RequestId,
    readonly jsonrpc: '2.0' | undefined,
    private readonly path: string,
  ) {}

  async start(input: unknown, batchIndex: number): Promise<void> {
    const context = await this.connection.context();
    if (this.ended) return;
    if (!context.ok) {
      this.finish();
      return;
    }
    let source: unknown;
    try {
      source = await callTRPCProcedure({
        router: this.connection.transport.options.router,
        path: this.path,
        getRawInput: async () => input,
        ctx: context.ctx,
        type: 'subscription',
        signal: this.abort.signal,
        batchIndex,
      });
    } catch (cause) {
      this.fail(cause, input);
      return;
    }
    if (this.ended) {
      // Stopped while the procedure was being called: release what it returned.
      if (isAsyncIterable(source)) void source[Symbol.asyncIterator]().return?.();
      return;
    }
    this.connection.respond({ id: this.id, jsonrpc: this.jsonrpc, result: { type: 'started' } });

    const sink = {
      next: (value: unknown) => this.push(value, input),
      error: (cause: unknown) => this.fail(cause, input),
    };
    if (isSharedSubscription(source)) {
      this.detach = source[subscribeDirect](sink);
    } else if (isObservable(source)) {
      const subscription: Unsubscribable = source.subscribe({ ...sink, complete: () => this.complete() });
      this.detach = () => subscription.unsubscribe();
    } else if (isAsyncIterable(source)) {
      this.iterator = source[Symbol.asyncIterator]();
      this.pump(input);
    } else {
      this.fail(
        new TRPCError({
          code: 'INTERNAL_SERVER_ERROR',
          message: `Subscription ${this.path} did not return an observable or an async iterable`,
        }),
        input,
      );
    }
  }

  /** One `then` per event: no race against the signal (stop() ends it without waiting). */
  private pump(input: unknown): void {
    const iterator = this.iterator;
    if (!iterator) return;
    iterator.next().then(
      (step) => {
        if (this.ended) return;
        if (step.done) {
          this.complete();
          return;
        }
        this.push(step.value, input);
        this.pump(input);
      },
      (cause: unknown) => {
        if (!this.ended) this.fail(cause, input);
      },
    );
  }

  /** One event to the socket; a value that cannot be encoded ends this subscription only. */
  private push(value: unknown, input: unknown): void {
    try {
      this.connection.deliver(this, value);
    } catch (cause) {
      this.fail(cause, input);
    }
  }

  /** The client stopped it (`notify`) or the connection went away. */
  stop(notify: boolean): void {
    if (!this.finish()) return;
    if (notify) this.connection.respond({ id: this.id, jsonrpc: this.jsonrpc, result: { type: 'stopped' } });
  }

  private complete(): void {
    if (this.finish()) this.connection.respond({ id: this.id, jsonrpc: this.jsonrpc, result: { type: 'stopped' } });
  }

  private fail(cause: unknown, input: unknown): void {
    if (this.finish()) this.connection.sendError(this.id, this.jsonrpc, cause, this.path, 'subscription', input);
  }

  /** Releases everything once; false if already done. */
  private finish(): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.connection.subscriptions.delete(this.id);
    this.connection.transport.stats.subscriptionEnded();
    this.abort.abort();
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

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
