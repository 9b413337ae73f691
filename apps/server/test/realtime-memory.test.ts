/**
 * What an open WebSocket keeps: the upgrade's HTTP request (its headers, the HTTP response
 * made for it, Fastify's request objects and logger) is let go once the connection's context
 * is made — held for the socket's life it cost more than the connection itself (issue #22).
 * Not about the database: PGlite only.
 */
import type { IncomingMessage } from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { runSync } from '@goated/api/server';
import { waitFor } from '@goated/testing';
import { startTestServer, type TestServer } from '@goated/testing/server';
import { feed } from '@goated/testing/upstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRawSocket, subscribeMessage } from './realtime-helpers';

/** A full, synchronous GC without starting node with --expose-gc. */
function fullGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = vm.runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('could not get a gc function');
  return () => gc();
}

describe('realtime connection memory', () => {
  let t: TestServer;
  // The first PGlite database of a process migrates a template: seconds, more on a busy machine.
  beforeAll(async () => {
    t = await startTestServer('pglite');
    await runSync(t.server.deps, feed({ a: 100 }, '2026-01-01T00:00:00Z'));
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  it('lets go of the upgrade request once a subscribed connection is made, and keeps serving it', async () => {
    const requests: WeakRef<IncomingMessage>[] = [];
    const onUpgrade = (req: IncomingMessage) => requests.push(new WeakRef(req));
    t.server.app.server.on('upgrade', onUpgrade);
    const raw = openRawSocket(`${t.url.replace(/^http/, 'ws')}/trpc`);
    try {
      await raw.opened;
      raw.send(subscribeMessage(1));
      const data = () => raw.frames.filter((f) => JSON.stringify(f).includes('"type":"data"')).length;
      await waitFor(() => data() === 1, { label: 'the first snapshot' });
      t.server.app.server.off('upgrade', onUpgrade);
      expect(requests).toHaveLength(1);

      const gc = fullGc();
      // A WeakRef's target lives at least until the end of the task that made or read it.
      for (let i = 0; i < 5 && requests[0]?.deref() !== undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        gc();
      }
      expect(requests[0]?.deref(), 'the upgrade request is still held by the open connection').toBeUndefined();

      // The connection is still whole: the next change reaches it.
      await runSync(t.server.deps, feed({ a: 200 }, '2026-01-01T00:01:00Z'));
      await waitFor(() => data() === 2, { label: 'the update after the change', timeoutMs: 20_000 });
    } finally {
      raw.socket.close();
      await raw.closed;
    }
  }, 60_000);
});
