import { randomUUID } from 'node:crypto';
import { waitFor } from '@goated/testing';
import { redisTestUrl } from '@goated/testing/redis';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvents, EventBus } from '../src/events/bus';
import { createRedisBus } from '../src/events/redis';
import { checkEvent, isEventTopic } from '../src/events/schemas';

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

describe('events read from another process', () => {
  it('are checked against their topic’s schema: the payload, or what is wrong with it', () => {
    expect(checkEvent('leaderboard.changed', event)).toEqual({ ok: true, payload: event });
    const wrong = checkEvent('leaderboard.changed', { changedPlayers: 'three' });
    expect(wrong.ok).toBe(false);
    expect(wrong.ok ? [] : wrong.problems.join(' ')).toMatch(/changedPlayers.*at/);
    expect(isEventTopic('leaderboard.changed')).toBe(true);
    expect(isEventTopic('toString')).toBe(false);
  });
});

describe.skipIf(!url)('redis event bus given garbage', () => {
  const redisUrl = url ?? '';

  it('drops and logs what is not a valid event, and goes on delivering good ones', async () => {
    const prefix = `test:${randomUUID()}:`;
    const warnings: string[] = [];
    const log = {
      info: () => {},
      warn: (_obj: object, msg: string) => {
        warnings.push(msg);
        // A logger that fails must not take the subscriber down with it.
        throw new Error('the log is broken');
      },
      error: () => {},
    };
    const receiver = await bus({ url: redisUrl, prefix, log });
    const sender = await bus({ url: redisUrl, prefix });
    const received: unknown[] = [];
    receiver.subscribe('leaderboard.changed', (p) => received.push(p));
    await waitFor(() => receiver.health().connected && sender.health().connected, {
      label: 'the buses to connect',
      timeoutMs: 5_000,
    });
    await waitFor(
      () => {
        if (received.length === 0) void sender.publish('leaderboard.changed', event);
        return received.length > 0;
      },
      { label: 'cross-instance delivery', timeoutMs: 5_000 },
    );
    received.length = 0;

    const raw = new Redis(redisUrl);
    try {
      const channel = `${prefix}leaderboard.changed`;
      const from = 'another-instance';
      await raw.publish(channel, 'not json');
      await raw.publish(channel, JSON.stringify({ payload: event }));
      await raw.publish(channel, JSON.stringify({ from, payload: { changedPlayers: 'many', at: 1 } }));
      await raw.publish(channel, JSON.stringify({ from, payload: null }));
      await raw.publish(`${prefix}no.such.topic`, JSON.stringify({ from, payload: event }));
      await raw.publish(channel, JSON.stringify({ from, payload: { ...event, changedPlayers: 7 } }));
    } finally {
      raw.disconnect();
    }
    await waitFor(() => received.length > 0, { label: 'the good event after the garbage', timeoutMs: 5_000 });
    expect(received).toEqual([{ ...event, changedPlayers: 7 }]);
    expect(warnings).toHaveLength(5);

    await sender.publish('leaderboard.changed', event);
    await waitFor(() => received.length > 1, { label: 'delivery after the garbage', timeoutMs: 5_000 });
    expect(received[1]).toEqual(event);
  });
});
