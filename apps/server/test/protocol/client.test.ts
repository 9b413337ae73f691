/**
 * The official client (`createWSClient` + `wsLink`) against tRPC's adapter and against ours:
 * the same outcomes — values, errors, every kind of producer, a refused connection, resuming
 * after a reconnect notice or a cut connection, and keep-alive.
 */

import { waitFor } from '@goated/testing';
import { createTRPCClient, createWSClient, TRPCClientError, wsLink } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTcpProxy } from '../tcp-proxy';
import { deviation } from './deviations';
import { type Peer, type PeerName, type PeerOptions, peerNames, startPeer } from './peers';
import { eventLog, openGate, type ProtocolRouter, ticker, unavailable } from './router';

type ClientOptions = Omit<Parameters<typeof createWSClient>[0], 'url' | 'WebSocket'>;

/** Counts every socket the client opens and every ping it is sent (text or protocol). */
function instrumentedWebSocket() {
  const seen = { sockets: 0, pings: 0 };
  class Counting extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      seen.sockets++;
      this.on('ping', () => seen.pings++);
      this.on('message', (data) => {
        if (data.toString() === 'PING') seen.pings++;
      });
    }
  }
  return { WebSocket: Counting as unknown as typeof globalThis.WebSocket, seen };
}

const clients: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
function client(url: string, options: ClientOptions = {}) {
  const instrumented = instrumentedWebSocket();
  const wsClient = createWSClient({ url, WebSocket: instrumented.WebSocket, retryDelayMs: () => 20, ...options });
  clients.push(wsClient);
  const api = createTRPCClient<ProtocolRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] });
  return { api, seen: instrumented.seen };
}

/** Every value of a subscription until it completes (or fails). */
function collect<T>(
  subscribe: (handlers: { onData(v: T): void; onComplete(): void; onError(e: unknown): void }) => unknown,
): Promise<{ values: T[]; error?: unknown }> {
  return new Promise((resolve) => {
    const values: T[] = [];
    subscribe({
      onData: (v) => values.push(v),
      onComplete: () => resolve({ values }),
      onError: (error) => resolve({ values, error }),
    });
  });
}

const failure = (error: unknown) =>
  error instanceof TRPCClientError ? { message: error.message, code: error.data?.code } : { unexpected: error };

const extraPeers: Peer[] = [];
afterEach(async () => {
  await Promise.all(extraPeers.splice(0).map((p) => p.close()));
});
async function freshPeer(name: PeerName, options: PeerOptions = {}) {
  const peer = await startPeer(name, options);
  extraPeers.push(peer);
  return peer;
}

describe.each(peerNames)('the official client against %s', (name) => {
  let peer: Peer;
  beforeAll(async () => {
    peer = await startPeer(name);
  });
  afterAll(() => peer.close());

  it('queries and mutations: superjson values and typed errors', async () => {
    const { api } = client(peer.wsUrl);
    expect(await api.hello.query({ name: 'goat' })).toEqual({ greeting: 'hi goat', at: new Date(0) });
    expect(await api.values.query()).toMatchObject({ map: new Map([['a', 1]]), big: 10n, set: new Set(['x']) });
    expect(await api.add.mutate({ a: 2, b: 40 })).toBe(42);
    const errors = await Promise.all([
      api.conflict.query().catch(failure),
      api.crash.query().catch(failure),
      api.hello.query({ name: 1 as unknown as string }).catch(failure),
    ]);
    expect(errors).toMatchObject([
      { message: 'Already taken', code: 'CONFLICT' },
      { message: 'boom', code: 'INTERNAL_SERVER_ERROR' },
      { code: 'BAD_REQUEST' },
    ]);
  });

  it('every kind of producer delivers every state: fresh, reused and frozen objects, observables, tracked', async () => {
    const { api } = client(peer.wsUrl);
    const ns = (r: { values: { n: number }[] }) => r.values.map((v) => v.n);
    const [fresh, reused, frozen, observableFresh, frozenOuter, trackedCount] = await Promise.all([
      collect<{ n: number }>((h) => api.fresh.subscribe(undefined, h)),
      collect<{ n: number }>((h) => api.reused.subscribe(undefined, h)),
      collect<{ n: number }>((h) => api.frozen.subscribe(undefined, h)),
      collect<{ n: number }>((h) => api.observableFresh.subscribe(undefined, h)),
      collect<{ inner: { n: number } }>((h) => api.frozenOuter.subscribe(undefined, h)),
      collect<{ id: string; data: { i: number } }>((h) => api.trackedCount.subscribe({ lastEventId: '1' }, h)),
    ]);
    expect([ns(fresh), ns(reused), ns(frozen), ns(observableFresh)]).toEqual(Array(4).fill([1, 2, 3]));
    expect(frozenOuter.values.map((v) => v.inner.n)).toEqual([1, 2, 3]);
    expect(trackedCount.values).toEqual([
      { id: '2', data: { i: 2 } },
      { id: '3', data: { i: 3 } },
    ]);
  });

  it(deviation('observable-emitted-state', 'an observable re-emitting one changed object'), async () => {
    const { api } = client(peer.wsUrl);
    const { values } = await collect<{ n: number }>((h) => api.observableReused.subscribe(undefined, h));
    expect(values.map((v) => v.n)).toEqual(name === 'stock' ? [3, 3, 3] : [1, 2, 3]);
  });

  it('a shared stream: the current value, then each update', async () => {
    const { api } = client(peer.wsUrl);
    const seen: number[] = [];
    const subscription = api.shared.subscribe(undefined, { onData: (event) => seen.push(event.data.n) });
    try {
      await waitFor(() => seen.length === 1, { label: 'the current value' });
      ticker.bump();
      await waitFor(() => seen.length === 2, { label: 'the update' });
      expect(seen[1]).toBe((seen[0] ?? 0) + 1);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('a stream that fails after starting: its events, then its error', async () => {
    const { api } = client(peer.wsUrl);
    const [typed, plain] = await Promise.all([
      collect<{ n: number }>((h) => api.failsAfterOne.subscribe(undefined, h)),
      collect<{ n: number }>((h) => api.crashesAfterOne.subscribe(undefined, h)),
    ]);
    expect(typed.values).toEqual([{ n: 1 }]);
    expect(failure(typed.error)).toEqual({ message: 'Gave up', code: 'CONFLICT' });
    expect(plain.values).toEqual([{ n: 1 }]);
    expect(failure(plain.error)).toEqual({ message: 'exploded', code: 'INTERNAL_SERVER_ERROR' });
  });

  it('item 2: a refused connection gives the query and the subscription waiting for it UNAUTHORIZED', async () => {
    const gate = `client-refused-${name}`;
    const { api } = client(`${peer.wsUrl}?gate=${gate}`, { connectionParams: { token: 'bad' } });
    const before = peer.messagesIn();
    // Sent in one tick: one batch, after the connectionParams.
    const query = api.whoami.query().catch(failure);
    const subscription = collect<{ n: number }>((h) => api.forever.subscribe(undefined, h));
    await waitFor(() => peer.messagesIn() >= before + 2, { label: 'the params and the batch to reach the server' });
    openGate(gate);
    expect(await query).toEqual({ message: 'Bad token', code: 'UNAUTHORIZED' });
    const { values, error } = await subscription;
    expect(values).toEqual([]);
    expect(failure(error)).toEqual({ message: 'Bad token', code: 'UNAUTHORIZED' });
  });

  it(
    deviation('retryable-refusal', 'a subscription refused by a transient error: resumed by ours, failed by tRPC'),
    async () => {
      const token = `unavailable-client-${name}`;
      unavailable.tokens.add(token);
      const { api } = client(`${peer.wsUrl}?gate=${token}`, { connectionParams: { token } });
      const before = peer.messagesIn();
      const events: number[] = [];
      let failed: unknown;
      const subscription = api.forever.subscribe(undefined, {
        onData: (event) => events.push(event.n),
        onError: (error) => {
          failed = error;
        },
      });
      try {
        await waitFor(() => peer.messagesIn() >= before + 2, {
          label: 'the params and the subscription to reach the server',
        });
        openGate(token);
        await waitFor(() => (unavailable.refusals.get(token) ?? 0) >= 1, { label: 'a refusal' });
        unavailable.tokens.delete(token); // the database is back
        if (name === 'stock') {
          await waitFor(() => failed !== undefined, { label: 'the subscription to fail' });
          expect(failure(failed)).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
        } else {
          await waitFor(() => events.length === 1, { label: 'the subscription to start after a reconnect' });
          expect(failed).toBeUndefined();
        }
      } finally {
        subscription.unsubscribe();
      }
    },
  );

  it('connectionParams reach the context', async () => {
    const { api } = client(peer.wsUrl, { connectionParams: async () => ({ token: 'via-params' }) });
    expect(await api.whoami.query()).toBe('via-params');
  });

  it('the reconnect notice: the client moves to another instance and resumes after its last event', async () => {
    const first = await freshPeer(name);
    const second = await freshPeer(name);
    const proxy = await startTcpProxy(new URL(first.wsUrl.replace(/^ws/, 'http')));
    try {
      const { api, seen } = client(`${proxy.url.replace(/^http/, 'ws')}/trpc`);
      const received: string[] = [];
      const start = eventLog.entries.length;
      const subscription = api.log.subscribe(
        { lastEventId: String(start) },
        {
          onData: (event) => received.push(event.data.text),
        },
      );
      eventLog.append(`${name} one`);
      eventLog.append(`${name} two`);
      await waitFor(() => received.length === 2, { label: 'the first two entries' });
      proxy.retarget(new URL(second.wsUrl.replace(/^ws/, 'http')));
      first.goAway();
      await waitFor(() => second.connections() === 1, { label: 'the client on the second instance' });
      eventLog.append(`${name} three`);
      await waitFor(() => received.length === 3, { label: 'the entry after the move' });
      expect(received).toEqual([`${name} one`, `${name} two`, `${name} three`]);
      expect(seen.sockets).toBe(2);
      subscription.unsubscribe();
    } finally {
      await proxy.close();
    }
  });

  it('a cut connection: the client reconnects and resumes after its last event, no gap, no repeat', async () => {
    const proxy = await startTcpProxy(new URL(peer.wsUrl.replace(/^ws/, 'http')));
    try {
      const { api } = client(`${proxy.url.replace(/^http/, 'ws')}/trpc`);
      const received: string[] = [];
      const subscription = api.log.subscribe(
        { lastEventId: String(eventLog.entries.length) },
        {
          onData: (event) => received.push(event.data.text),
        },
      );
      eventLog.append('before');
      await waitFor(() => received.length === 1, { label: 'the first entry' });
      proxy.refuse(true);
      proxy.sever();
      eventLog.append('while away');
      proxy.refuse(false);
      await waitFor(() => received.length === 2, { label: 'the entry written while away' });
      eventLog.append('after');
      await waitFor(() => received.length === 3, { label: 'a live entry' });
      expect(received).toEqual(['before', 'while away', 'after']);
      subscription.unsubscribe();
    } finally {
      await proxy.close();
    }
  });

  it('keep-alive: the server’s pings keep an idle client connected', async () => {
    const quick = await freshPeer(name, { keepAlive: { pingMs: 50, pongWaitMs: 100 } });
    const { api, seen } = client(quick.wsUrl);
    const events: number[] = [];
    const subscription = api.forever.subscribe(undefined, { onData: (event) => events.push(event.n) });
    try {
      await waitFor(() => events.length === 1, { label: 'the first event' });
      await waitFor(() => seen.pings >= 5, { label: 'five pings' });
      expect(seen.sockets).toBe(1);
      expect(quick.connections()).toBe(1);
      expect(await api.barrier.query()).toBe('ok');
    } finally {
      subscription.unsubscribe();
    }
  });
});
