/**
 * Shared streams over the realtime transport without a per-subscription abort signal (issue
 * #22: a Node `AbortSignal` costs ~0.9 KB with its listener). A procedure that declares its
 * stream shared (meta `sharedStream`) is called without one and ended by its detach function;
 * every other subscription still gets its signal, aborted when it stops. No database.
 */
import { appRouter } from '@goated/api';
import { declaresSharedStream, SharedStream } from '@goated/api/server';
import { waitFor } from '@goated/testing';
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openRawSocket } from './realtime-helpers';
import { startTransportServer, type TransportServer } from './transport-harness';

const t = initTRPC.meta<{ sharedStream?: true }>().create({ transformer: superjson });

/** What each call of a procedure was given as its signal, by procedure. */
const signals: Record<string, (AbortSignal | undefined)[]> = { shared: [], plain: [], liar: [] };
let value = 0;
const listeners = new Set<() => void>();
const stream = new SharedStream({
  load: async () => ({ n: value }),
  watch: (onChange) => {
    listeners.add(onChange);
    return () => listeners.delete(onChange);
  },
});
let liarReleased = false;

const router = t.router({
  shared: t.procedure.meta({ sharedStream: true }).subscription(({ signal }) => {
    signals.shared?.push(signal);
    return stream.subscribe(signal);
  }),
  plain: t.procedure.subscription(async function* ({ signal }) {
    signals.plain?.push(signal);
    yield { n: 0 };
    // Parked until aborted: only the signal can end it.
    await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  }),
  /** Declared shared, but a plain async iterable: refused (without a signal nothing could end it). */
  liar: t.procedure.meta({ sharedStream: true }).subscription(({ signal }) => {
    signals.liar?.push(signal);
    const iterable: AsyncIterable<{ n: number }> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: { n: 0 } }),
        return: async () => {
          liarReleased = true;
          return { done: true, value: undefined };
        },
      }),
    };
    return iterable;
  }),
});

const servers: TransportServer<typeof router>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const subscribe = (id: number, path: string) => ({
  id,
  method: 'subscription',
  params: { path, input: { json: null } },
});
const framesOf = (frames: unknown[], id: number) => frames.filter((f) => JSON.stringify(f).startsWith(`{"id":${id},`));

describe('realtime transport: shared streams', () => {
  it('calls a declared shared stream without a signal and ends it by detaching; others keep theirs', async () => {
    const server = await startTransportServer({ router, createContext: () => ({}) });
    servers.push(server);
    const raw = openRawSocket(server.wsUrl);
    await raw.opened;
    raw.send(subscribe(1, 'shared'));
    raw.send(subscribe(2, 'plain'));
    await waitFor(() => framesOf(raw.frames, 1).length === 2 && framesOf(raw.frames, 2).length === 2, {
      label: 'started and a first value on both',
    });
    expect(signals.shared).toEqual([undefined]);
    const plainSignal = signals.plain?.[0];
    expect(plainSignal).toBeInstanceOf(AbortSignal);
    expect(stream.subscriberCount).toBe(1);
    expect(server.stats.subscriptionsActive).toBe(2);

    // An event reaches the shared subscriber.
    value = 1;
    for (const onChange of listeners) onChange();
    await waitFor(() => framesOf(raw.frames, 1).length === 3, { label: 'the update' });

    // Stopping each ends it: the shared one is detached, the generator's signal aborts.
    raw.send({ id: 1, method: 'subscription.stop' });
    raw.send({ id: 2, method: 'subscription.stop' });
    await waitFor(() => server.stats.subscriptionsActive === 0, { label: 'both stopped' });
    expect(stream.subscriberCount).toBe(0);
    expect(listeners.size).toBe(0);
    expect(plainSignal?.aborted).toBe(true);
    expect(raw.socket.readyState).toBe(WebSocket.OPEN);
    raw.socket.close();
  });

  it('detaches a shared stream when its connection closes', async () => {
    const server = await startTransportServer({ router, createContext: () => ({}) });
    servers.push(server);
    const raw = openRawSocket(server.wsUrl);
    await raw.opened;
    raw.send(subscribe(1, 'shared'));
    raw.send(subscribe(2, 'shared'));
    raw.send(subscribe(3, 'shared'));
    await waitFor(() => stream.subscriberCount === 3, { label: 'three subscribers' });
    // One of several stopped: the rest of the connection's subscriptions stay.
    raw.send({ id: 2, method: 'subscription.stop' });
    await waitFor(() => stream.subscriberCount === 2, { label: 'one stopped' });
    expect(server.stats.subscriptionsActive).toBe(2);
    raw.socket.terminate();
    await waitFor(() => stream.subscriberCount === 0, { label: 'every subscriber detached' });
    expect(server.stats.subscriptionsActive).toBe(0);
  });

  it('refuses a procedure declared shared that returns something else, and releases it', async () => {
    const server = await startTransportServer({ router, createContext: () => ({}) });
    servers.push(server);
    const raw = openRawSocket(server.wsUrl);
    await raw.opened;
    raw.send(subscribe(5, 'liar'));
    await waitFor(() => framesOf(raw.frames, 5).length === 1, { label: 'the refusal' });
    expect(framesOf(raw.frames, 5)).toEqual([
      {
        id: 5,
        error: { json: expect.objectContaining({ data: expect.objectContaining({ code: 'INTERNAL_SERVER_ERROR' }) }) },
      },
    ]);
    expect(signals.liar).toEqual([undefined]);
    await waitFor(() => liarReleased, { label: 'the iterable released' });
    expect(server.stats.subscriptionsActive).toBe(0);
    expect(raw.socket.readyState).toBe(WebSocket.OPEN);
    raw.socket.close();
  });

  it("the app's shared streams declare it, and only they", () => {
    for (const path of ['leaderboard.onUpdate', 'leaderboard.onMvps', 'races.onUpdate']) {
      expect(declaresSharedStream(appRouter, path), path).toBe(true);
    }
    for (const path of ['notifications.onNotify', 'logs.onLog', 'leaderboard.top', 'nope']) {
      expect(declaresSharedStream(appRouter, path), path).toBe(false);
    }
  });
});
