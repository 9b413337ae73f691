/**
 * The WebSocket and SSE transports of the real server, on both databases: keep-alive,
 * resumption, the SSE fallback, limits, shutdown and statistics.
 */
import { appRouter, type RouterOutputs } from '@goated/api';
import { createCallerFactory, createContext, runSync } from '@goated/api/server';
import { createClient } from '@goated/client';
import { waitFor } from '@goated/testing';
import { countingBus } from '@goated/testing/bus';
import { createTestDb, testBackends } from '@goated/testing/db';
import { startTestServer, type TestServer } from '@goated/testing/server';
import { feed } from '@goated/testing/upstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRawSocket, subscribeMessage } from './realtime-helpers';
import { startTcpProxy } from './tcp-proxy';

type Page = RouterOutputs['leaderboard']['top'];

let clock = Date.parse('2026-01-01T00:00:00Z');
/** Each sync gets a later timestamp, so it is never ignored as older than what is stored. */
function sync(t: TestServer, month: Record<string, number>) {
  clock += 60_000;
  return runSync(t.server.deps, feed(month, new Date(clock).toISOString()));
}

const uids = (page: Page | undefined) => page?.entries.map((e) => e.uid);

describe.each(testBackends())('realtime on %s', (kind) => {
  // The first PGlite database of a process migrates a template (seconds on a busy machine):
  // done here, under the hook timeout, rather than inside the first test.
  beforeAll(async () => {
    if (kind === 'pglite') await (await createTestDb(kind)).close();
  });

  describe('keep-alive', () => {
    it('detects a socket that died without a close frame and frees its subscriptions', async () => {
      const bus = countingBus();
      const t = await startTestServer(kind, { WS_PING_MS: '100', WS_PONG_WAIT_MS: '200' }, { bus });
      const proxy = await startTcpProxy(new URL(t.url));
      // A client that will not come back within the test: what remains is the server's cleanup.
      const client = createClient({ url: proxy.url, retryDelayMs: () => 60_000 });
      try {
        await sync(t, { a: 300, b: 200 });
        const received: Page[] = [];
        const subscription = client.api.leaderboard.onUpdate.subscribe(
          { period: 'month' },
          { onData: (event) => received.push(event.data) },
        );
        await waitFor(() => received.length === 1, { label: 'the first snapshot' });
        const stats = () => t.server.deps.realtime?.snapshot();
        expect(stats()?.subscriptions.active).toBe(1);
        // Other parts (the read cache) may listen too: count what this subscription adds.
        const listening = bus.listeners('leaderboard.changed');
        expect(listening).toBeGreaterThanOrEqual(1);

        proxy.blackhole();
        await waitFor(() => stats()?.keepAliveTimeouts === 1, { label: 'the keep-alive to give up', timeoutMs: 5000 });
        await waitFor(() => stats()?.connections.active === 0, { label: 'the connection to be released' });
        expect(stats()?.subscriptions.active).toBe(0);
        expect(bus.listeners('leaderboard.changed')).toBe(listening - 1);
        subscription.unsubscribe();
      } finally {
        await client.close();
        await proxy.close();
        await t.close();
      }
    });
  });

  describe('with one server', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(kind, {
        WS_MAX_MESSAGE_BYTES: '2048',
        WS_MAX_SUBSCRIPTIONS: '3',
        WS_MAX_MESSAGES_PER_SECOND: '5',
        WS_MESSAGE_BURST: '10',
      });
      await sync(t, { a: 300, b: 200, c: 100 });
    });
    afterAll(() => t?.close());
    const stats = () => t.server.deps.realtime?.snapshot();

    it('resumes a dropped subscription by itself, with the current state', async () => {
      const proxy = await startTcpProxy(new URL(t.url));
      const client = createClient({ url: proxy.url, retryDelayMs: () => 50 });
      const received: { id: string; data: Page }[] = [];
      const errors: unknown[] = [];
      const subscription = client.api.leaderboard.onUpdate.subscribe(
        { period: 'month', limit: 3 },
        { onData: (event) => received.push(event), onError: (err) => errors.push(err) },
      );
      try {
        await waitFor(() => received.length === 1, { label: 'the first snapshot' });
        expect(uids(received[0]?.data)).toEqual(['a', 'b', 'c']);
        // The network drops and stays down while the standings change.
        proxy.refuse(true);
        proxy.sever();
        await sync(t, { z: 5000 });
        proxy.refuse(false);
        await waitFor(() => received.length >= 2, { label: 'the resumed stream' });
        expect(uids(received.at(-1)?.data)).toEqual(['z', 'a', 'b']);
        expect(proxy.connections).toBeGreaterThanOrEqual(2);
        expect(errors).toEqual([]);
      } finally {
        subscription.unsubscribe();
        await client.close();
        await proxy.close();
      }
    });

    it('delivers the same events over Server-Sent Events as over the WebSocket', async () => {
      const wsClient = createClient({ url: t.url });
      const sseClient = createClient({ url: t.url, transport: 'sse' });
      const overWs: { id: string; data: Page }[] = [];
      const overSse: { id: string; data: Page }[] = [];
      const input = { period: 'week' as const, limit: 5 };
      const a = wsClient.api.leaderboard.onUpdate.subscribe(input, { onData: (e) => overWs.push(e) });
      const b = sseClient.api.leaderboard.onUpdate.subscribe(input, { onData: (e) => overSse.push(e) });
      try {
        await waitFor(() => overWs.length === 1 && overSse.length === 1, { label: 'both first snapshots' });
        expect(stats()?.sse.active).toBe(1);
        await sync(t, { y: 9000 });
        await waitFor(() => overWs.length === 2 && overSse.length === 2, { label: 'both updates' });
        expect(overSse.map((e) => e.id)).toEqual(overWs.map((e) => e.id));
        expect(overSse.map((e) => e.data.entries)).toEqual(overWs.map((e) => e.data.entries));
        expect(overSse[1]?.data.generatedAt).toBeInstanceOf(Date);
      } finally {
        a.unsubscribe();
        b.unsubscribe();
        await wsClient.close();
        await sseClient.close();
      }
      await waitFor(() => stats()?.sse.active === 0, { label: 'the SSE stream to be counted closed' });
    });

    it('cuts off an oversized message, a subscription flood and a message flood; a neighbour keeps receiving', async () => {
      const neighbour = createClient({ url: t.url });
      const seen: Page[] = [];
      const subscription = neighbour.api.leaderboard.onUpdate.subscribe(
        { period: 'all', limit: 2 },
        { onData: (e) => seen.push(e.data) },
      );
      try {
        await waitFor(() => seen.length === 1, { label: "the neighbour's first snapshot" });
        const wsUrl = `${t.url.replace(/^http/, 'ws')}/trpc`;
        const before = stats();

        const big = openRawSocket(wsUrl);
        await big.opened;
        big.send('x'.repeat(4096));
        expect((await big.closed).code).toBe(1009);

        const flood = openRawSocket(wsUrl);
        await flood.opened;
        for (let id = 1; id <= 4; id++) flood.send(subscribeMessage(id, { period: 'today' }));
        const floodClosed = await flood.closed;
        expect(floodClosed).toEqual({ code: 4030, reason: 'too many subscriptions (limit 3)' });
        // The offending call gets a TOO_MANY_REQUESTS error (superjson-wrapped, as tRPC sends errors).
        expect(flood.frames).toContainEqual({
          id: 4,
          error: { json: expect.objectContaining({ data: expect.objectContaining({ code: 'TOO_MANY_REQUESTS' }) }) },
        });

        const chatty = openRawSocket(wsUrl);
        await chatty.opened;
        for (let i = 0; i < 30; i++) chatty.send('PING');
        expect(await chatty.closed).toEqual({ code: 4029, reason: 'too many messages (limit 5/s)' });

        await sync(t, { x: 100_000 });
        await waitFor(() => seen.length === 2, { label: 'the neighbour to get the next update' });
        expect(uids(seen[1])?.[0]).toBe('x');
        const after = stats();
        expect(after?.limitViolations.messageTooLarge).toBe((before?.limitViolations.messageTooLarge ?? 0) + 1);
        expect(after?.limitViolations.subscriptions).toBe((before?.limitViolations.subscriptions ?? 0) + 1);
        expect(after?.limitViolations.messageRate).toBe((before?.limitViolations.messageRate ?? 0) + 1);
        await waitFor(() => stats()?.subscriptions.active === 1, {
          label: 'only the neighbour to hold a subscription',
        });
      } finally {
        subscription.unsubscribe();
        await neighbour.close();
      }
    });

    it('counts connections, subscriptions, messages and refusals for admin.stats', async () => {
      const client = createClient({ url: t.url });
      const received: Page[] = [];
      const subscription = client.api.leaderboard.onUpdate.subscribe(
        { period: 'month', limit: 1 },
        { onData: (e) => received.push(e.data) },
      );
      try {
        await waitFor(() => received.length === 1, { label: 'a snapshot' });
        const refusalsBefore = stats()?.authFailures ?? 0;
        // Nobody is signed in: admin-only, so refused (and counted).
        await expect(client.api.admin.stats.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });

        const admin = createCallerFactory(appRouter)(
          createContext(t.server.deps, { requestId: 'test', user: { id: 'u1', username: 'root', role: 'admin' } }),
        );
        const report = await admin.admin.stats();
        expect(report.bus).toEqual({ kind: 'in-process', ok: true });
        expect(report.realtime).toMatchObject({
          connections: { active: 1 },
          subscriptions: { active: 1 },
          authFailures: refusalsBefore + 1,
        });
        expect(report.realtime?.connections.peak).toBeGreaterThanOrEqual(1);
        expect(report.realtime?.messages.in).toBeGreaterThan(0);
        expect(report.realtime?.messages.out).toBeGreaterThan(0);
      } finally {
        subscription.unsubscribe();
        await client.close();
      }
    });
  });

  it('on shutdown, tells clients to reconnect and closes with 1001', async () => {
    const t = await startTestServer(kind);
    const raw = openRawSocket(`${t.url.replace(/^http/, 'ws')}/trpc`);
    await raw.opened;
    await t.close();
    expect(await raw.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(raw.frames).toContainEqual({ id: null, method: 'reconnect' });
  });
});
