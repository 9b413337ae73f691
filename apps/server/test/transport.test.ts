/**
 * The realtime transport alone, with routers made for each behaviour: a refused context, a
 * replayable event log, a firehose for slow consumers, a shared stream for fan-out. No database.
 */
import { appRouter } from '@goated/api';
import { SharedStream } from '@goated/api/server';
import { createClient } from '@goated/client';
import { waitFor } from '@goated/testing';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { type AnyTRPCRouter, initTRPC, TRPCError, tracked } from '@trpc/server';
import superjson from 'superjson';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { openRawSocket } from './realtime-helpers';
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
      await waitFor(() => received.length === 2, { label: 'the first two entries' });
      proxy.refuse(true);
      proxy.sever();
      log.append('three'); // written while the client is away
      log.append('four');
      await sleep(100);
      proxy.refuse(false);
      await waitFor(() => received.length === 4, { label: 'the entries written while away' });
      log.append('five');
      await waitFor(() => received.length === 5, { label: 'a live entry after resuming' });
      expect(received).toEqual(['one', 'two', 'three', 'four', 'five']);
      expect(proxy.connections).toBeGreaterThanOrEqual(2);
    } finally {
      subscription.unsubscribe();
      await client.close();
      await proxy.close();
    }
  });

  it('a refused connection fails the subscription with its error (UNAUTHORIZED) instead of leaving it to retry', async () => {
    const server = await serve({
      router: appRouter,
      createContext: () => {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'bad token' });
      },
    });
    const client = createClient({ url: server.url, token: 'bad' });
    try {
      const failure = await new Promise<unknown>((resolve) => {
        client.api.leaderboard.onUpdate.subscribe({ period: 'month' }, { onData: () => {}, onError: resolve });
      });
      expect(failure).toMatchObject({ message: 'bad token', data: { code: 'UNAUTHORIZED' } });
      // The connection is closed after its hold, and the client, with nothing left to send, stays away.
      await waitFor(() => server.stats.connectionsActive === 0, { label: 'the refused connection to close' });
      await sleep(300);
      expect(server.stats.connectionsTotal).toBe(1);
      // One refusal, counted once (not again for the call it answered).
      expect(server.stats.authFailures).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('a client that reconnects at once after a refusal is paced by the hold: one attempt per second', async () => {
    const server = await serve({
      router: appRouter,
      createContext: () => {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'bad token' });
      },
    });
    // A naive client: always connected, no delay between attempts.
    const wsClient = createWSClient({
      url: server.wsUrl,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      retryDelayMs: () => 0,
    });
    try {
      await waitFor(() => server.stats.connectionsTotal >= 2, { label: 'a second attempt' });
      const secondAt = performance.now();
      await waitFor(() => server.stats.connectionsTotal >= 3, { label: 'a third attempt' });
      // Each refused connection is held ~1 s: no tight loop whatever the client's backoff.
      expect(performance.now() - secondAt).toBeGreaterThan(800);
      expect(server.stats.authFailures).toBe(server.stats.connectionsTotal);
    } finally {
      await wsClient.close();
    }
  });

  it('refuses a batch over the batch size call by call and keeps the connection (at the default limits)', async () => {
    const server = await serve({
      router: testRouter,
      createContext: () => ({}),
      limits: { messagesPerSecond: 50, messageBurst: 100, maxBatchSize: 100 },
    });
    const raw = openRawSocket(server.wsUrl);
    try {
      await raw.opened;
      const hello = (id: number) => ({
        id,
        method: 'query',
        params: { path: 'hello', input: { json: { name: 'x' } } },
      });
      raw.send(Array.from({ length: 101 }, (_, i) => hello(i + 1)));
      await waitFor(() => raw.frames.length === 101, { label: 'an answer per call' });
      expect(raw.frames[100]).toMatchObject({
        id: 101,
        error: { json: { message: 'Batch call exceeds maximum size', data: { code: 'BAD_REQUEST' } } },
      });
      // Nothing ran, so the rate budget is intact: a batch of 60 still runs.
      raw.send(Array.from({ length: 60 }, (_, i) => hello(200 + i)));
      await waitFor(() => raw.frames.length === 161, { label: 'the next batch' });
      expect(raw.frames[160]).toMatchObject({ id: 259, result: { type: 'data' } });
      expect(raw.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      raw.socket.terminate();
    }
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
      await waitFor(() => server.stats.slowConsumersDropped === 1, {
        label: 'the slow consumer to be dropped',
        timeoutMs: 20_000,
      });
      const seenAtCut = neighbourSeen;
      await waitFor(() => neighbourSeen > seenAtCut + 20, { label: 'the neighbour to keep receiving' });
      // Once it reads again, it drains what was already sent and finds the reason at the end.
      slow.socket.resume();
      expect(await slow.closed).toEqual({ code: 4008, reason: 'slow consumer: over 262144 bytes unread' });
      await waitFor(() => server.stats.connectionsActive === 1, { label: 'only the neighbour to remain' });
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
      await waitFor(() => seen.every((s) => s.length === 1), { label: 'every first value' });
      const before = server.transport.encoder.serializations;
      for (let i = 1; i <= 3; i++) {
        tick = i;
        for (const onChange of tickListeners) onChange();
        await waitFor(() => seen.every((s) => s.length === i + 1), { label: `update ${i} everywhere` });
      }
      expect(server.transport.encoder.serializations - before).toBe(3);
      expect(seen.every((s) => s.join() === '0,1,2,3')).toBe(true);
      expect(server.stats.subscriptionsActive).toBe(20);
    } finally {
      for (const s of subscriptions) s.unsubscribe();
      await Promise.all(clients.map((c) => c.close()));
    }
    await waitFor(() => server.stats.subscriptionsActive === 0, { label: 'every subscription to end' });
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

  it('answers an unknown procedure with an error, ends a stream whose event cannot be encoded, and keeps the connection', async () => {
    const server = await serve({ router: testRouter, createContext: () => ({}) });
    const raw = openRawSocket(server.wsUrl);
    await raw.opened;
    raw.send({ id: 7, method: 'subscription', params: { path: 'nope', input: { json: null } } });
    raw.send({ id: 8, method: 'subscription', params: { path: 'broken', input: { json: null } } });
    raw.send('PING');
    await waitFor(() => raw.frames.length === 4, { label: 'both answers' });
    expect(raw.frames).toContainEqual({
      id: 7,
      error: { json: expect.objectContaining({ data: expect.objectContaining({ code: 'NOT_FOUND' }) }) },
    });
    expect(raw.frames.filter((frame) => JSON.stringify(frame).startsWith('{"id":8'))).toEqual([
      { id: 8, result: { type: 'started' } },
      {
        id: 8,
        error: { json: expect.objectContaining({ data: expect.objectContaining({ code: 'INTERNAL_SERVER_ERROR' }) }) },
      },
      { id: 8, result: { type: 'stopped' } },
    ]);
    expect(raw.socket.readyState).toBe(WebSocket.OPEN);
    expect(server.stats.subscriptionsActive).toBe(0);
    raw.socket.close();
  });
});
