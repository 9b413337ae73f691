/**
 * The two servers of the protocol suite — tRPC's stock `applyWSSHandler` on its own `ws`
 * server, and our transport behind @fastify/websocket as in the app — and a raw client that
 * records every frame either one sends, byte for byte.
 */

import { waitFor } from '@goated/testing';
import { decode } from '@msgpack/msgpack';
import { applyWSSHandler, type Encoder } from '@trpc/server/adapters/ws';
import WebSocket, { WebSocketServer } from 'ws';
import type { KeepAliveOptions } from '../../src/realtime/limits';
import { startTransportServer } from '../transport-harness';
import { createProtocolContext, protocolRouter } from './router';

export type PeerName = 'stock' | 'ours';
export const peerNames: PeerName[] = ['stock', 'ours'];

export interface Peer {
  name: PeerName;
  /** `ws://127.0.0.1:<port>/trpc` */
  wsUrl: string;
  /** Messages the server has received so far (every connection). */
  messagesIn(): number;
  /** Open connections. */
  connections(): number;
  /** The reconnect notice to every client (ours: then a 1001 close, as on shutdown). */
  goAway(): void;
  close(): Promise<void>;
}

export interface PeerOptions {
  /** Server keep-alive; omitted: off for stock, the production default for ours. */
  keepAlive?: KeepAliveOptions;
  encoder?: Encoder;
  /** Ours: `refusedHoldMs`. */
  refusedHoldMs?: number;
  /** Stock: tRPC's `maxBatchSize` (ours has the limit on, at 100, in the test harness). */
  maxBatchSize?: number;
}

export async function startPeer(name: PeerName, options: PeerOptions = {}): Promise<Peer> {
  return name === 'stock' ? startStock(options) : startOurs(options);
}

async function startStock(options: PeerOptions): Promise<Peer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let received = 0;
  // Registered before tRPC's handler: a message is counted before it is handled.
  wss.on('connection', (socket) => socket.on('message', () => received++));
  const handler = applyWSSHandler({
    wss,
    router: protocolRouter,
    createContext: createProtocolContext,
    ...(options.keepAlive ? { keepAlive: { enabled: true, ...options.keepAlive } } : {}),
    ...(options.encoder ? { experimental_encoder: options.encoder } : {}),
    ...(options.maxBatchSize ? { maxBatchSize: options.maxBatchSize } : {}),
  });
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    name: 'stock',
    wsUrl: `ws://127.0.0.1:${port}/trpc`,
    messagesIn: () => received,
    connections: () => wss.clients.size,
    goAway: () => handler.broadcastReconnectNotification(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

async function startOurs(options: PeerOptions): Promise<Peer> {
  const server = await startTransportServer({
    router: protocolRouter,
    createContext: createProtocolContext,
    keepAlive: options.keepAlive,
    encoder: options.encoder,
    refusedHoldMs: options.refusedHoldMs,
  });
  return {
    name: 'ours',
    wsUrl: server.wsUrl,
    messagesIn: () => server.stats.messagesIn,
    connections: () => server.transport.connectionCount,
    goAway: () => server.transport.shutdown(),
    close: () => server.close(),
  };
}

/** A frame as received: text as is, binary as `bin:<hex>` (compared byte for byte either way). */
export type RawFrame = string;

export interface RawSession {
  socket: WebSocket;
  /** Every frame received, in order, including PING/PONG. */
  frames: RawFrame[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
  send(message: unknown): void;
  /** Waits until `check(messages)` holds over the decoded non-keep-alive messages. */
  until(check: (messages: Message[]) => boolean, label: string, timeoutMs?: number): Promise<void>;
  /** A query to `barrier`, answered after everything sent before it was read: drains pending frames. */
  barrier(): Promise<void>;
  close(): void;
}

/** A decoded server message, loosely typed for predicates. */
export interface Message {
  id?: string | number | null;
  method?: string;
  result?: { type: string; id?: string; data?: unknown };
  error?: unknown;
}

export function decodeFrame(frame: RawFrame): Message {
  if (frame.startsWith('bin:')) return decode(Buffer.from(frame.slice(4), 'hex')) as Message;
  return JSON.parse(frame) as Message;
}

const isKeepAlive = (frame: RawFrame) => frame === 'PING' || frame === 'PONG';

/** The decoded messages of a session, keep-alives left out. */
export function messagesOf(session: RawSession): Message[] {
  return session.frames.filter((f) => !isKeepAlive(f)).map(decodeFrame);
}

/** A bare `ws` client: sends exactly what it is given and keeps exactly what it receives. */
export function openSession(url: string, options: WebSocket.ClientOptions = {}): RawSession {
  const socket = new WebSocket(url, options);
  const frames: RawFrame[] = [];
  let closed = false;
  socket.on('message', (data, isBinary) => {
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    frames.push(isBinary ? `bin:${bytes.toString('hex')}` : bytes.toString('utf8'));
  });
  socket.on('error', () => {
    // the close event carries what the tests check
  });
  const messages = () => frames.filter((f) => !isKeepAlive(f)).map(decodeFrame);
  const session: RawSession = {
    socket,
    frames,
    opened: new Promise((resolve) => socket.once('open', () => resolve())),
    closed: new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        closed = true;
        resolve({ code, reason: reason.toString() });
      }),
    ),
    isClosed: () => closed,
    send: (message) =>
      socket.send(typeof message === 'string' || message instanceof Uint8Array ? message : JSON.stringify(message)),
    until: (check, label, timeoutMs) => waitFor(() => check(messages()), { label, timeoutMs }),
    async barrier() {
      session.send({ id: 'barrier', method: 'query', params: { path: 'barrier', input: { json: null } } });
      await session.until((m) => m.some((x) => x.id === 'barrier'), 'the barrier query');
      frames.splice(
        frames.findIndex((f) => !isKeepAlive(f) && decodeFrame(f).id === 'barrier'),
        1,
      );
    },
    close: () => socket.terminate(),
  };
  return session;
}

/**
 * The frames of a session grouped by request id (`null` for connection-level ones, `PONG`…
 * for keep-alives), each group in the order received. Frames for different ids may
 * interleave differently from one server to the other (ours sends `stopped` as soon as a stop
 * is read, tRPC's adapter after the producer's cleanup); within one id the order is the protocol.
 */
export function byRequest(frames: RawFrame[]): Record<string, RawFrame[]> {
  const groups: Record<string, RawFrame[]> = {};
  for (const frame of frames) {
    const key = isKeepAlive(frame) ? frame : `id ${JSON.stringify(decodeFrame(frame).id ?? null)}`;
    groups[key] ??= [];
    groups[key].push(frame);
  }
  return groups;
}

/** Runs `script` against a fresh session to each server, one after the other. */
export async function onEach(
  peers: Record<PeerName, Peer>,
  script: (session: RawSession, peer: Peer) => Promise<void>,
  query: string | ((peer: Peer) => string) = '',
): Promise<Record<PeerName, RawSession>> {
  const run = async (peer: Peer) => {
    const session = openSession(`${peer.wsUrl}${typeof query === 'string' ? query : query(peer)}`);
    try {
      await session.opened;
      await script(session, peer);
    } finally {
      session.close();
    }
    return session;
  };
  const stock = await run(peers.stock);
  const ours = await run(peers.ours);
  return { stock, ours };
}
