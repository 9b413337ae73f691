/**
 * tRPC's `experimental_encoder` (here MessagePack in binary frames) on both servers: the same
 * bytes for every kind of answer, and the official client reads ours as it reads tRPC's.
 */
import { decode, encode } from '@msgpack/msgpack';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import type { Encoder } from '@trpc/server/adapters/ws';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectionParams, has, mutation, query, stop, subscription } from './messages';
import { byRequest, messagesOf, onEach, openSession, type Peer, type PeerName, peerNames, startPeer } from './peers';
import type { ProtocolRouter } from './router';

/** MessagePack in binary frames; `undefined` left out as JSON leaves it (`lastEventId: undefined`). */
const msgpack: Encoder = {
  encode: (data) => encode(data, { ignoreUndefined: true }),
  decode: (data) => {
    if (typeof data === 'string') throw new Error('MessagePack takes binary frames');
    return decode(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
  },
};
const packed = (message: unknown) => encode(message, { ignoreUndefined: true });

let peers: Record<PeerName, Peer>;
beforeAll(async () => {
  peers = {
    stock: await startPeer('stock', { encoder: msgpack }),
    ours: await startPeer('ours', { encoder: msgpack }),
  };
});
afterAll(async () => {
  await Promise.all(peerNames.map((name) => peers[name].close()));
});

describe('with a MessagePack encoder', () => {
  it('the same bytes: queries, errors, subscriptions of every producer, stops, unreadable frames', async () => {
    const sessions = await onEach(peers, async (s) => {
      s.send(packed(query(1, 'values')));
      s.send(packed([query(2, 'conflict'), mutation(3, 'add', { a: 1, b: 2 })]));
      s.send(packed(subscription(4, 'reused')));
      s.send(packed(subscription(5, 'trackedCount', {}, { lastEventId: '1' })));
      s.send(packed(subscription(6, 'failsAfterOne')));
      s.send(packed(subscription(7, 'forever')));
      await s.until((m) => has(m, 7, 'data'), 'the endless stream');
      s.send(packed(stop(7)));
      s.send('{"id":8,"method":"query"}'); // text to a binary encoder: a PARSE_ERROR
      s.send('PING');
      await s.until((m) => [4, 5, 6, 7].every((id) => has(m, id, 'stopped')) && has(m, null, 'error'), 'every answer');
    });
    expect(byRequest(sessions.ours.frames)).toEqual(byRequest(sessions.stock.frames));
    expect(sessions.ours.frames.filter((f) => f.startsWith('bin:')).length).toBeGreaterThan(10);
    expect(messagesOf(sessions.ours).find((m) => m.id === 4 && m.result?.type === 'data')).toMatchObject({
      result: { data: { json: { n: 1 } } },
    });
  });

  it('connectionParams in MessagePack too', async () => {
    const sessions = await onEach(
      peers,
      async (s) => {
        s.send(packed(connectionParams({ token: 'packed' })));
        s.send(packed(query(1, 'whoami')));
        await s.until((m) => has(m, 1, 'data'), 'whoami');
      },
      '?connectionParams=1',
    );
    expect(sessions.ours.frames).toEqual(sessions.stock.frames);
  });

  it('the reconnect notice in MessagePack too', async () => {
    const frames: Record<PeerName, string[]> = { stock: [], ours: [] };
    for (const name of peerNames) {
      const peer = await startPeer(name, { encoder: msgpack });
      const session = openSession(peer.wsUrl);
      try {
        await session.opened;
        peer.goAway();
        await session.until((m) => m.length === 1, 'the notice');
        frames[name] = session.frames;
      } finally {
        session.close();
        await peer.close();
      }
    }
    expect(frames.ours).toEqual(frames.stock);
    expect(frames.ours[0]).toBe(`bin:${Buffer.from(encode({ id: null, method: 'reconnect' })).toString('hex')}`);
  });

  it.each(peerNames)('the official client with the same encoder reads %s', async (name) => {
    const wsClient = createWSClient({
      url: peers[name].wsUrl,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      experimental_encoder: msgpack,
    });
    const api = createTRPCClient<ProtocolRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] });
    try {
      expect(await api.values.query()).toEqual({
        date: new Date(86_400_000),
        map: new Map([['a', 1]]),
        set: new Set(['x']),
        big: 10n,
        missing: undefined,
        nested: [{ deep: [1, 'two', null] }],
      });
      const values = await new Promise<number[]>((resolve, reject) => {
        const seen: number[] = [];
        api.reused.subscribe(undefined, {
          onData: (value) => seen.push(value.n),
          onComplete: () => resolve(seen),
          onError: reject,
        });
      });
      expect(values).toEqual([1, 2, 3]);
    } finally {
      await wsClient.close();
    }
  });
});
