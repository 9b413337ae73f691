import { randomUUID } from 'node:crypto';
import { waitFor } from '@goated/testing';
import { redisTestUrl } from '@goated/testing/redis';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvents, EventBus } from '../src/events/bus';
import { createRedisBus } from '../src/events/redis';

const url = redisTestUrl();
const event: AppEvents['leaderboard.changed'] = { changedPlayers: 3, at: '2026-01-01T00:00:00.000Z' };

const buses: EventBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});
async function bus(options: Parameters<typeof createRedisBus>[0]): Promise<EventBus> {
  const created = await createRedisBus(options);
  buses.push(created);
  return created;
}

describe('redis event bus without a reachable redis', () => {
  it('still delivers to local subscribers at once, and reports itself down', async () => {
    // Port 1 on loopback: nothing listens, connections are refused at once.
    const local = await bus({ url: 'redis://127.0.0.1:1', prefix: `test:${randomUUID()}:` });
    const received: unknown[] = [];
    local.subscribe('leaderboard.changed', (payload) => received.push(payload));
    await local.publish('leaderboard.changed', event);
    expect(received).toEqual([event]);
    expect(local.health()).toEqual({ kind: 'redis', connected: false });
  });
});

describe.skipIf(!url)('redis event bus', () => {
  const redisUrl = url ?? '';

  it('carries events between instances, once each, and only within one prefix', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await bus({ url: redisUrl, prefix });
    const b = await bus({ url: redisUrl, prefix });
    const stranger = await bus({ url: redisUrl, prefix: `test:${randomUUID()}:` });
    const onA: unknown[] = [];
    const onB: unknown[] = [];
    const onStranger: unknown[] = [];
    a.subscribe('leaderboard.changed', (p) => onA.push(p));
    b.subscribe('leaderboard.changed', (p) => onB.push(p));
    stranger.subscribe('leaderboard.changed', (p) => onStranger.push(p));
    await waitFor(() => [a, b, stranger].every((x) => x.health().connected), {
      label: 'the buses to connect',
      timeoutMs: 5_000,
    });
    // A subscription is confirmed asynchronously: publish until the other side hears it.
    await waitFor(
      () => {
        if (onB.length === 0) void a.publish('leaderboard.changed', event);
        return onB.length > 0;
      },
      { label: 'cross-instance delivery', timeoutMs: 5_000 },
    );
    const published = onA.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Local delivery happened once per publish, never again via Redis (no echo).
    expect(onA).toHaveLength(published);
    expect(onB.length).toBeGreaterThan(0);
    expect(onB.length).toBeLessThanOrEqual(published);
    expect(onB[0]).toEqual(event);
    expect(onStranger).toEqual([]);
  });
});
