import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { UpstreamSource } from '@goated/api/server';

/** What the fake feed answers to one request. */
export type FakeReply =
  /** A JSON body (serialized here) or, with `raw`, exactly these bytes. */
  | { status?: number; json: unknown; headers?: Record<string, string>; delayMs?: number; until?: Promise<void> }
  | { status?: number; raw: string; headers?: Record<string, string>; delayMs?: number; until?: Promise<void> }
  /** Accept the request and never answer: a timeout. */
  | { hang: true }
  /** Drop the connection without an answer. */
  | { drop: true };

export interface SeenRequest {
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

export interface FakeUpstream {
  url: string;
  requests: SeenRequest[];
  /**
   * Replies for the next requests, in order; once they run out the last one repeats. A function
   * decides per request (paging by cursor).
   */
  reply(...replies: (FakeReply | ((req: SeenRequest) => FakeReply))[]): void;
  close(): Promise<void>;
}

/** A local stand-in for the affiliate's feed on 127.0.0.1, port chosen by the OS. */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  let queue: (FakeReply | ((req: SeenRequest) => FakeReply))[] = [{ json: [] }];
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, reply: FakeReply) => {
    if ('hang' in reply) return;
    if ('drop' in reply) {
      res.socket?.destroy();
      return;
    }
    const body = 'raw' in reply ? reply.raw : JSON.stringify(reply.json);
    const write = () => {
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(body);
    };
    if (reply.until) {
      // Answer only when the test lets go (a fetch held open for as long as it needs).
      reply.until.then(write, () => res.destroy());
    } else if (reply.delayMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        write();
      }, reply.delayMs);
      timers.add(timer);
    } else write();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const seen: SeenRequest = { path: url.pathname, query: url.searchParams, authorization: req.headers.authorization };
    requests.push(seen);
    const next = queue.length > 1 ? queue.shift() : queue[0];
    if (!next) throw new Error('no reply configured');
    send(res, typeof next === 'function' ? next(seen) : next);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/feed`,
    requests,
    reply: (...replies) => {
      if (replies.length === 0) throw new Error('reply() needs at least one reply');
      queue = replies;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One player in the documented upstream format, with every period set to `amount`. */
export function upstreamRecord(uid: string, amount: number | string, updatedAt: string, name = `Player ${uid}`) {
  return {
    uid,
    name,
    wagered: { today: amount, this_week: amount, this_month: amount, all_time: amount },
    updated_at: updatedAt,
  };
}

/**
 * An in-process upstream that returns whatever the test gives it: uid → the total for every
 * period, all stamped `at`.
 */
export function feed(totals: Record<string, number | string>, at: Date | string, name = 'test-feed'): UpstreamSource {
  const updatedAt = typeof at === 'string' ? at : at.toISOString();
  return {
    name,
    fetchRecords: async () => Object.entries(totals).map(([uid, amount]) => upstreamRecord(uid, amount, updatedAt)),
  };
}

/** A feed whose figures move on every fetch (player `a`), so every run writes something. */
export function movingFeed(): UpstreamSource {
  let n = 0;
  return {
    name: 'moving',
    fetchRecords: async () => {
      n++;
      return [upstreamRecord('a', n, new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString())];
    },
  };
}

/** A feed that fails every fetch with `message`, as an upstream that is down. */
export function failingFeed(message: string): UpstreamSource {
  return {
    name: 'broken',
    fetchRecords: async () => {
      throw new Error(message);
    },
  };
}
