import type { IncomingMessage } from 'node:http';
import type { AnyTRPCRouter, inferRouterContext } from '@trpc/server';
import { type CreateWSSContextFnOptions, type Encoder, jsonEncoder } from '@trpc/server/adapters/ws';
import type { BaseHandlerOptions } from '@trpc/server/http';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { Connection } from './connection';
import { type Frame, FrameEncoder } from './frames';
import { closeCodes, type KeepAliveOptions, nowMs, type TransportLimits } from './limits';
import { reconnectNotice } from './protocol';
import type { RealtimeCounters } from './stats';

type TrpcOnError<TRouter extends AnyTRPCRouter> = NonNullable<BaseHandlerOptions<TRouter, IncomingMessage>['onError']>;
/**
 * tRPC's `onError`, except that `req` — the upgrade request — is there only for errors raised
 * while the connection's context is made; connections let go of it afterwards (memory).
 */
type OnError<TRouter extends AnyTRPCRouter> = (
  opts: Omit<Parameters<TrpcOnError<TRouter>>[0], 'req'> & { req: IncomingMessage | undefined },
) => void;

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
  /**
   * How long a connection whose context was refused stays open — answering each call with the
   * refusal — before its 1008 close (default 1 s). It paces clients that reconnect at once.
   */
  refusedHoldMs?: number;
  /**
   * tRPC's `experimental_encoder`: how messages are encoded (e.g. MessagePack in binary frames).
   * Every client of this transport must use the same one. Default: JSON in text frames.
   */
  encoder?: Encoder;
}

/**
 * The tRPC WebSocket protocol — the same messages as `@trpc/server/adapters/ws`, so `wsLink`
 * and every other standard client work unchanged (the deviations are listed in
 * docs/SCALING.md, "Protocol") — built for fan-out:
 *
 * - an event of a shared stream is serialized once, not once per subscriber (`FrameEncoder`);
 * - a shared stream (`subscribeDirect`) pushes straight into the socket: no promise, no
 *   iterator step per subscriber per event; other async iterables and observables are consumed
 *   with one `then` per event (no per-event race against the abort signal);
 * - per connection: a small object, one timer-free keep-alive slot (one sweep for all);
 * - limits: incoming size (ws), rate (token bucket), batch size, subscriptions per connection,
 *   and the send buffer of a slow consumer — each closes (or refuses) only the offender, with a
 *   code and a reason.
 *
 * Files: this one accepts connections, runs the keep-alive sweep and shuts down;
 * `connection.ts` serves one socket, `subscription.ts` one stream, `limits.ts` holds the
 * limits, `protocol.ts` reads what clients send and `frames.ts` encodes what they receive.
 */
export class RealtimeTransport<TRouter extends AnyTRPCRouter> {
  readonly encoder: FrameEncoder;
  /** Decodes what clients send (tRPC's `Encoder`). */
  readonly codec: Encoder;
  /** The reconnect notice, encoded once. */
  readonly reconnectFrame: Frame;
  /** By socket: the socket listeners below are shared by every connection and find theirs here. */
  private readonly connections = new Map<WebSocket, Connection<TRouter>>();
  /**
   * One set of socket listeners for all connections (`this` is the socket), not four closures
   * and their scope per connection (~0.3 KB each connection, issue #22).
   */
  private readonly listeners: {
    message(this: WebSocket, data: RawData, isBinary: boolean): void;
    pong(this: WebSocket): void;
    error(this: WebSocket, err: Error & { code?: string }): void;
    close(this: WebSocket): void;
  };
  private readonly sweep: NodeJS.Timeout;
  private shuttingDown = false;
  private readonly paths = new Map<string, string>();

  constructor(readonly options: TransportOptions<TRouter>) {
    this.codec = options.encoder ?? jsonEncoder;
    this.encoder = new FrameEncoder(options.router._def._config, options.encoder);
    this.reconnectFrame = this.codec.encode(reconnectNotice);
    const { pingMs, pongWaitMs } = options.keepAlive;
    const tick = Math.max(25, Math.min(pingMs, pongWaitMs) / 4);
    this.sweep = setInterval(() => this.checkLiveness(), tick);
    this.sweep.unref();
    const connections = this.connections;
    const transport = this;
    this.listeners = {
      message(data, isBinary) {
        connections.get(this)?.onMessage(data, isBinary);
      },
      pong() {
        const connection = connections.get(this);
        if (connection) connection.heard = true;
      },
      error(err) {
        connections.get(this)?.onSocketError(err);
      },
      // ws emits `close` once (`on`: `once` would add a wrapper per connection).
      close() {
        const connection = connections.get(this);
        if (!connection) return;
        connections.delete(this);
        transport.stats.connectionClosed();
        connection.closed();
      },
    };
  }

  /**
   * A procedure's path as one string for every subscription to it (each keeps its path for its
   * life; parsed from each message, it would be a copy of its own). Only the router's paths.
   */
  canonicalPath(path: string): string {
    const known = this.paths.get(path);
    if (known !== undefined) return known;
    if (Object.hasOwn(this.options.router._def.procedures, path)) this.paths.set(path, path);
    return path;
  }

  get stats(): RealtimeCounters {
    return this.options.stats;
  }

  /** Serves one upgraded socket. */
  accept(socket: WebSocket, req: IncomingMessage): void {
    const connection = new Connection(this, socket, req);
    this.connections.set(socket, connection);
    this.stats.connectionOpened();
    const { message, pong, error, close } = this.listeners;
    socket.on('message', message);
    socket.on('pong', pong);
    socket.on('error', error);
    socket.on('close', close);
    if (this.shuttingDown) connection.goAway();
    else connection.open();
  }

  /** Open connections right now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * For deploys and restarts (the server's `preClose`): stops the keep-alive sweep and sends
   * every connection away — the reconnect notice, then 1001 — as it does any that arrives later.
   */
  shutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    clearInterval(this.sweep);
    for (const connection of this.connections.values()) connection.goAway();
  }

  private checkLiveness(): void {
    const now = nowMs();
    const { pingMs, pongWaitMs } = this.options.keepAlive;
    const paramsTimeout = this.options.connectionParamsTimeoutMs ?? 10_000;
    for (const connection of this.connections.values()) {
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
