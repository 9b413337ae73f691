/**
 * The realtime transport alone, with routers made for each behaviour: a refused context, a
 * replayable event log, a firehose for slow consumers, a shared stream for fan-out. No database.
 */
import { appRouter, SharedStream } from '@goated/api';
import { createClient } from '@goated/client';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { type AnyTRPCRouter, initTRPC, TRPCError, tracked } from '@trpc/server';
import superjson from 'superjson';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { openRawSocket, waitFor } from './realtime-helpers';
import { startTcpProxy } from './tcp-proxy';
import { startTransportServer, type TransportServer, type TransportServerOptions } from './transport-harness';

const t = initTRPC.create({ transformer: superjson });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An append-only log whose subscribers resume after `lastEventId`, as transformation logs do. */
function eventLog() {
  const entries: { id: number; text: string }[] = [];
  const waiters = new Set<() => void>();
  return {
    entries,
    append(text: string) {
      entries.push({ id: entries.length + 1, text });
      for (const wake of waiters) wake();
    },
    async *follow(lastEventId: string | null | undefined, signal: AbortSignal | undefined) {
      let next = lastEventId ? Number(lastEventId) : 0;
      while (!signal?.aborted) {
        const entry = entries[next];
        if (entry) {
          next++;
          yield tracked(String(entry.id), entry);
          continue;
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
          signal?.addEventListener('abort', wake, { once: true });
        });
      }
    },
  };
}

const log = eventLog();
// Frozen: serialized once, then the same bytes go out every time.
const bigFrame = Object.freeze({ blob: 'x'.repeat(256 * 1024) });
let tickerStream: SharedStream<{ n: number }> | undefined;
let tick = 0;
const tickListeners = new Set<() => void>();

const testRouter = t.router({
  hello: t.procedure
    .input(z.object({ name: z.string() }))
    .query(({ input }) => ({ greeting: `hi ${input.name}`, at: new Date(0) })),
  log: t.procedure
    .input(z.object({ lastEventId: z.string().nullish() }))
    .subscription(({ input, signal }) => log.follow(input.lastEventId, signal)),
  /** 256 KB every millisecond or so: fills the kernel buffers of a socket that stops reading. */
  firehose: t.procedure.subscription(async function* ({ signal }) {
    while (!signal?.aborted) {
      yield bigFrame;
      await sleep(1);
    }
  }),
  /** Yields a value that cannot be serialized (reading it throws). */
  broken: t.procedure.subscription(async function* () {
    yield {
      get boom(): string {
        throw new Error('cannot be read');
      },
    };
  }),
  /** A small event every 10 ms. */
  pulse: t.procedure.subscription(async function* ({ signal }) {
    let n = 0;
    while (!signal?.aborted) {
      yield { n: n++ };
      await sleep(10);
    }
  }),
  /** One producer for every subscriber: the shape of the leaderboard stream. */
  ticker: t.procedure.subscription(({ signal }) => {
    tickerStream ??= new SharedStream({
      load: async () => ({ n: tick }),
      watch: (onChange) => {
        tickListeners.add(onChange);
        return () => tickListeners.delete(onChange);
      },
    });
    return tickerStream.subscribe(signal);
  }),
});
type TestRouter = typeof testRouter;

function typedClient(url: string, retryDelayMs: (attempt: number) => number = () => 50) {
  const wsClient = createWSClient({
    url,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    retryDelayMs,
  });
  return {
    api: createTRPCClient<TestRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] }),
    close: () => wsClient.close(),
  };
}

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});
async function serve<TRouter extends AnyTRPCRouter>(
  options: TransportServerOptions<TRouter>,
): Promise<TransportServer<TRouter>> {
  const server = await startTransportServer(options);
  servers.push(server);
  return server;
}

describe('realtime transport', () => {
  it('resumes a tracked stream after a reconnect from the last event id: no gap, no repeat', async () => {
    const server = await serve({ router: testRouter, createContext: () => ({}) });
    const proxy = await startTcpProxy(new URL(server.url));
    const client = typedClient(`${proxy.url.replace(/^http/, 'ws')}/trpc`);
    const received: string[] = [];
    const subscription = client.api.log.subscribe({}, { onData: (event) => received.push(event.data.text) });
    try {
      log.append('one');
      log.append('two');
      await waitFor(() => received.length === 2, 'the first two entries');
      proxy.refuse(true);
      proxy.sever();
      log.append('three'); // written while the client is away
      log.append('four');
      await sleep(100);
      proxy.refuse(false);
      await waitFor(() => received.length === 4, 'the entries written while away');
      log.append('five');
      await waitFor(() => received.length === 5, 'a live entry after resuming');
      expect(received).toEqual(['one', 'two', 'three', 'four', 'five']);
      expect(proxy.connections).toBeGreaterThanOrEqual(2);
    } finally {
      subscription.unsubscribe();
      await client.close();
      await proxy.close();
    }
  });

  it('a client whose connection is refused backs off instead of reconnecting in a tight loop', async () => {
    const server = await serve({
      router: appRouter,
      createContext: () => {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'bad token' });
      },
    });
    // A naive client, for scale: no delay between attempts.
    const naive = createClient({ url: server.url, retryDelayMs: () => 0 });
    const naiveSub = naive.api.leaderboard.onUpdate.subscribe({ period: 'month' }, { onData: () => {} });
    await sleep(1000);
    naiveSub.unsubscribe();
    await naive.close();
    const naiveAttempts = server.stats.connectionsTotal;

    const before = server.stats.connectionsTotal;
    const client = createClient({ url: server.url, token: 'bad' }); // the default backoff with jitter
    const subscription = client.api.leaderboard.onUpdate.subscribe({ period: 'month' }, { onData: () => {} });
    await sleep(4000);
    subscription.unsubscribe();
    await client.close();
    const attempts = server.stats.connectionsTotal - before;

    // Backoff: ~0, ~1 s, ~2 s (each ±jitter) → at most 4 attempts in 4 s; the naive one makes dozens.
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(4);
    expect(naiveAttempts).toBeGreaterThan(3 * attempts);
    expect(server.stats.authFailures).toBe(naiveAttempts + attempts);
  });

  it('closes a consumer that stops reading, with a reason, while a neighbour keeps receiving', async () => {
    const server = await serve({
      router: testRouter,
      createContext: () => ({}),
      limits: { maxBufferedBytes: 256 * 1024 },
    });
    const neighbour = typedClient(server.wsUrl);
    let neighbourSeen = 0;
    const subscription = neighbour.api.pulse.subscribe(undefined, {
      onData: () => {
        neighbourSeen++;
      },
    });
    const slow = openRawSocket(server.wsUrl);
    try {
      await slow.opened;
      slow.send({ id: 1, method: 'subscription', params: { path: 'firehose', input: { json: null } } });
      slow.socket.pause(); // stops reading: the kernel buffers fill, then the server's send buffer
      await waitFor(() => server.stats.slowConsumersDropped === 1, 'the slow consumer to be dropped', 20_000);
      const seenAtCut = neighbourSeen;
      await waitFor(() => neighbourSeen > seenAtCut + 20, 'the neighbour to keep receiving');
      // Once it reads again, it drains what was already sent and finds the reason at the end.
      slow.socket.resume();
      expect(await slow.closed).toEqual({ code: 4008, reason: 'slow consumer: over 262144 bytes unread' });
      await waitFor(() => server.stats.connectionsActive === 1, 'only the neighbour to remain');
    } finally {
      subscription.unsubscribe();
      await neighbour.close();
      slow.socket.terminate();
    }
  });

  it('serializes each event of a shared stream once, whatever the number of subscribers', async () => {
    const server = await serve({ router: testRouter, createContext: () => ({}) });
    const clients = Array.from({ length: 20 }, () => typedClient(server.wsUrl));
    const seen = clients.map(() => [] as number[]);
    const subscriptions = clients.map((client, i) =>
      client.api.ticker.subscribe(undefined, { onData: (event) => seen[i]?.push(event.data.n) }),
    );
    try {
      await waitFor(() => seen.every((s) => s.length === 1), 'every first value');
      const before = server.transport.encoder.serializations;
      for (let i = 1; i <= 3; i++) {
        tick = i;
        for (const onChange of tickListeners) onChange();
        await waitFor(() => seen.every((s) => s.length === i + 1), `update ${i} everywhere`);
      }
      expect(server.transport.encoder.serializations - before).toBe(3);
      expect(seen.every((s) => s.join() === '0,1,2,3')).toBe(true);
      expect(server.stats.subscriptionsActive).toBe(20);
    } finally {
      for (const s of subscriptions) s.unsubscribe();
      await Promise.all(clients.map((c) => c.close()));
    }
    await waitFor(() => server.stats.subscriptionsActive === 0, 'every subscription to end');
    expect(tickListeners.size).toBe(0);
  });

  it('serves queries over the socket too, for clients that send everything through wsLink', async () => {
    const server = await serve({ router: testRouter, createContext: () => ({}) });
    const client = typedClient(server.wsUrl);
    try {
      const reply = await client.api.hello.query({ name: 'goat' });
      expect(reply).toEqual({ greeting: 'hi goat', at: new Date(0) });
      await expect(client.api.hello.query({ name: 1 as unknown as string })).rejects.toMatchObject({
        data: { code: 'BAD_REQUEST' },
      });
    } finally {
      await client.close();
    }
  });

  it('answers an unknown procedure or an unserializable event with an error and keeps the connection', async () => {
    const server = await serve({ router: testRouter, createContext: () => ({}) });
    const raw = openRawSocket(server.wsUrl);
    await raw.opened;
    raw.send({ id: 7, method: 'subscription', params: { path: 'nope', input: { json: null } } });
    raw.send({ id: 8, method: 'subscription', params: { path: 'broken', input: { json: null } } });
    raw.send('PING');
    await waitFor(() => raw.frames.length === 3, 'both answers');
    expect(raw.frames).toContainEqual({
      id: 7,
      error: { json: expect.objectContaining({ data: expect.objectContaining({ code: 'NOT_FOUND' }) }) },
    });
    expect(raw.frames).toContainEqual({ id: 8, result: { type: 'started' } });
    expect(raw.frames).toContainEqual({
      id: 8,
      error: { json: expect.objectContaining({ data: expect.objectContaining({ code: 'INTERNAL_SERVER_ERROR' }) }) },
    });
    expect(raw.socket.readyState).toBe(WebSocket.OPEN);
    expect(server.stats.subscriptionsActive).toBe(0);
    raw.socket.close();
  });
});
