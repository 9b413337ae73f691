/**
 * Differential: the same raw frames to tRPC's stock `applyWSSHandler` and to our transport,
 * serving the same router; their answers compared frame by frame, byte for byte, within each
 * request id. Where they differ on purpose, the test names the deviation (deviations.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviation } from './deviations';
import { connectionParams, dataOf, has, mutation, query, stop, subscription } from './messages';
import { byRequest, messagesOf, onEach, openSession, type Peer, type PeerName, peerNames, startPeer } from './peers';
import { openGate, ticker } from './router';

let peers: Record<PeerName, Peer>;
beforeAll(async () => {
  peers = { stock: await startPeer('stock'), ours: await startPeer('ours', { refusedHoldMs: 300 }) };
});
afterAll(async () => {
  await Promise.all(peerNames.map((name) => peers[name].close()));
});

describe('the same frames from tRPC’s adapter and ours', () => {
  it('queries and mutations: values (superjson), input errors, thrown errors, unknown paths, jsonrpc 2.0', async () => {
    const calls = [
      query(1, 'hello', { name: 'goat' }),
      query(2, 'values'),
      mutation(3, 'add', { a: 2, b: 3 }),
      query(4, 'hello', { name: 42 }),
      query(5, 'conflict'),
      query(6, 'crash'),
      query(7, 'nope'),
      query(8, 'streamingQuery'),
      query(9, 'hello', { name: 'rpc' }, { jsonrpc: '2.0' }),
      query('ten', 'whoami'),
      mutation(11, 'hello', { name: 'wrong type' }),
    ];
    const sessions = await onEach(peers, async (s) => {
      for (const call of calls) s.send(call);
      await s.until((m) => m.length === calls.length, 'every answer');
      await s.barrier();
    });
    expect(byRequest(sessions.ours.frames)).toEqual(byRequest(sessions.stock.frames));
    expect(messagesOf(sessions.ours).find((m) => m.id === 2)?.result?.data).toMatchObject({
      meta: { values: expect.anything() },
    });
  });

  it('a batch: each call answered under its own id', async () => {
    const batch = [query(1, 'hello', { name: 'a' }), mutation(2, 'add', { a: 1, b: 1 }), subscription(3, 'fresh')];
    const sessions = await onEach(peers, async (s) => {
      s.send(batch);
      await s.until((m) => has(m, 1, 'data') && has(m, 2, 'data') && has(m, 3, 'stopped'), 'the batch');
      await s.barrier();
    });
    expect(byRequest(sessions.ours.frames)).toEqual(byRequest(sessions.stock.frames));
  });

  it('subscriptions from every kind of producer: started, data, stopped', async () => {
    const paths = ['fresh', 'frozen', 'observableFresh', 'trackedCount'];
    const sessions = await onEach(peers, async (s) => {
      for (const [i, path] of paths.entries()) s.send(subscription(i + 1, path));
      await s.until((m) => paths.every((_, i) => has(m, i + 1, 'stopped')), 'every stream to end');
      await s.barrier();
    });
    expect(byRequest(sessions.ours.frames)).toEqual(byRequest(sessions.stock.frames));
    expect(dataOf(messagesOf(sessions.ours), 4)).toEqual([1, 2, 3].map((i) => ({ id: String(i), data: { i } })));
  });

  it('item 1: a producer that changes one object and yields it again sends each state, not the first one thrice', async () => {
    const paths = ['reused', 'frozenOuter'];
    const sessions = await onEach(peers, async (s) => {
      for (const [i, path] of paths.entries()) s.send(subscription(i + 1, path));
      await s.until((m) => paths.every((_, i) => has(m, i + 1, 'stopped')), 'every stream to end');
    });
    for (const name of peerNames) {
      const messages = messagesOf(sessions[name]);
      expect(dataOf(messages, 1), `${name}: a generator reusing one object`).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(dataOf(messages, 2), `${name}: a frozen object with a changing inside`).toEqual([
        { inner: { n: 1 } },
        { inner: { n: 2 } },
        { inner: { n: 3 } },
      ]);
    }
    expect(byRequest(sessions.ours.frames)).toEqual(byRequest(sessions.stock.frames));
  });

  it(
    deviation('observable-emitted-state', 'an observable that changes one object and emits it again synchronously'),
    async () => {
      const sessions = await onEach(peers, async (s) => {
        s.send(subscription(1, 'observableReused'));
        await s.until((m) => has(m, 1, 'stopped'), 'the stream to end');
      });
      // tRPC's adapter queues the emissions and serializes them later: the last state, thrice.
      expect(dataOf(messagesOf(sessions.stock), 1)).toEqual([{ n: 3 }, { n: 3 }, { n: 3 }]);
      // Ours serializes each emission as it is emitted.
      expect(dataOf(messagesOf(sessions.ours), 1)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    },
  );

  it('a shared stream: the same frames, update after update', async () => {
    // Both servers' subscribers share the one stream, so they run side by side here.
    const [stock, ours] = await Promise.all(
      peerNames.map(async (name) => {
        const s = openSession(peers[name].wsUrl);
        await s.opened;
        s.send(subscription(1, 'shared'));
        await s.until((m) => dataOf(m, 1).length === 1, `${name}: the current value`);
        return s;
      }),
    );
    if (!stock || !ours) throw new Error('both sessions');
    try {
      for (let update = 2; update <= 4; update++) {
        ticker.bump();
        await stock.until((m) => dataOf(m, 1).length === update, `stock: update ${update}`);
        await ours.until((m) => dataOf(m, 1).length === update, `ours: update ${update}`);
      }
      for (const s of [stock, ours]) {
        s.send(stop(1));
        await s.until((m) => has(m, 1, 'stopped'), 'the stop');
      }
      expect(byRequest(ours.frames)).toEqual(byRequest(stock.frames));
    } finally {
      stock.close();
      ours.close();
    }
  });

  it('the client stops a stream (stopped), stops an unknown id (nothing) and reuses a live id (BAD_REQUEST)', async () => {
    const sessions = await onEach(peers, async (s) => {
      s.send(subscription(1, 'forever'));
      await s.until((m) => has(m, 1, 'data'), 'the first event');
      s.send(subscription(1, 'forever'));
      s.send(stop(99));
      await s.until((m) => has(m, 1, 'error'), 'the duplicate refused');
      s.send(stop(1));
      await s.until((m) => has(m, 1, 'stopped'), 'the stop');
      // Stopped before its context or procedure has answered: still a `stopped`.
      s.send([subscription(2, 'forever'), stop(2)]);
      await s.until((m) => has(m, 2, 'stopped'), 'the early stop');
      await s.barrier();
    });
    expect(byRequest(sessions.ours.frames)).toEqual(byRequest(sessions.stock.frames));
  });

  it('resumes after lastEventId, given in the params (tracked frames)', async () => {
    const sessions = await onEach(peers, async (s) => {
      s.send(subscription(1, 'trackedCount', undefined, { lastEventId: '1' }));
      s.send(subscription(2, 'trackedCount', {}, { lastEventId: '2', jsonrpc: '2.0' }));
      await s.until((m) => has(m, 1, 'stopped') && has(m, 2, 'stopped'), 'both to end');
    });
    expect(byRequest(sessions.ours.frames)).toEqual(byRequest(sessions.stock.frames));
    expect(dataOf(messagesOf(sessions.ours), 1)).toEqual([
      { id: '2', data: { i: 2 } },
      { id: '3', data: { i: 3 } },
    ]);
  });

  it('item 3: a stream that fails once started sends its error, then stopped', async () => {
    const paths = ['failsAfterOne', 'crashesAfterOne', 'observableFails', 'unserializable'];
    const sessions = await onEach(peers, async (s) => {
      for (const [i, path] of paths.entries()) s.send(subscription(i + 1, path));
      await s.until((m) => paths.every((_, i) => has(m, i + 1, 'stopped')), 'every stream to stop');
      await s.barrier();
    });
    for (const name of peerNames) {
      const types = messagesOf(sessions[name])
        .filter((m) => m.id === 1)
        .map((m) => m.result?.type ?? 'error');
      expect(types, name).toEqual(['started', 'data', 'error', 'stopped']);
    }
    expect(byRequest(sessions.ours.frames)).toEqual(byRequest(sessions.stock.frames));
  });

  it('a stream refused before it starts gets its error alone', async () => {
    const calls = [
      subscription(1, 'refusesToStart'),
      subscription(2, 'notAStream'),
      subscription(3, 'nope'),
      subscription(4, 'fresh', { count: 99 }),
    ];
    const sessions = await onEach(peers, async (s) => {
      for (const call of calls) s.send(call);
      await s.until((m) => calls.every((c) => has(m, c.id, 'error')), 'every refusal');
      await s.barrier();
    });
    expect(byRequest(sessions.ours.frames)).toEqual(byRequest(sessions.stock.frames));
    expect(messagesOf(sessions.ours).some((m) => m.result?.type === 'started')).toBe(false);
  });

  it('unreadable messages: an id:null PARSE_ERROR in the parser’s own words', async () => {
    const unreadable: (string | Uint8Array | object)[] = [
      '{not json',
      '42',
      '"a string"',
      '{}',
      { id: 1 },
      { id: 1, method: 'teleport', params: { path: 'hello' } },
      { id: 1, method: 'query' },
      { id: 1, method: 'query', params: { path: 'hello' } },
      { id: 1, method: 'query', params: { path: 7 } },
      { id: { nested: true }, method: 'query', params: { path: 'hello' } },
      { id: null, method: 'query', params: { path: 'hello' } },
      { id: 1, jsonrpc: '1.0', method: 'query', params: { path: 'hello' } },
      new Uint8Array([1, 2, 3]),
    ];
    const sessions = await onEach(peers, async (s) => {
      for (const message of unreadable) s.send(message);
      await s.until((m) => m.length === unreadable.length, 'an answer to each');
      await s.barrier();
    });
    expect(sessions.ours.frames).toEqual(sessions.stock.frames);
    expect(messagesOf(sessions.ours).every((m) => m.id === null && m.error)).toBe(true);
  });

  it('connectionParams: the first message, read into the context', async () => {
    const sessions = await onEach(
      peers,
      async (s) => {
        s.send('PING'); // answered before the params too
        s.send(connectionParams({ token: 'from-params' }));
        s.send(query(1, 'whoami'));
        await s.until((m) => has(m, 1, 'data'), 'whoami');
        await s.barrier();
      },
      '?connectionParams=1',
    );
    expect(sessions.ours.frames).toEqual(sessions.stock.frames);
    expect(dataOf(messagesOf(sessions.ours), 1)).toEqual(['from-params']);
  });

  describe(
    deviation('close-codes', 'item 4: bad connectionParams are answered as tRPC answers them, and closed at once'),
    () => {
      const bad: [string, unknown][] = [
        ['the wrong shape', connectionParams({ token: 1 })],
        ['not an object', connectionParams('token')],
        ['not JSON', '{"method":"connectionParams",'],
        ['a request instead of the params', query(1, 'whoami')],
        ['an array', [connectionParams({ token: 'x' })]],
      ];
      it.each(bad)('%s', async (_, message) => {
        const sessions = await onEach(
          peers,
          async (s) => {
            s.send(message);
            // "At once": before any other message, well before the hold of a refused context.
            await s.until(() => s.isClosed(), 'the close', 900);
          },
          '?connectionParams=1',
        );
        expect(sessions.ours.frames).toEqual(sessions.stock.frames);
        const [answer] = messagesOf(sessions.ours);
        expect(answer).toMatchObject({ id: null, error: { json: { data: { code: 'PARSE_ERROR' } } } });
        expect(await sessions.stock.closed).toEqual({ code: 1005, reason: '' });
        expect(await sessions.ours.closed).toEqual({ code: 1008, reason: 'connection refused: PARSE_ERROR' });
      });
    },
  );

  it('item 2: a refused context: the id:null error, then every call that was waiting gets its own error', async () => {
    const sessions = await onEach(
      peers,
      async (s, peer) => {
        s.send(query(1, 'hello', { name: 'early' }));
        s.send(subscription(2, 'forever'));
        s.send([mutation(3, 'add', { a: 1, b: 2 }), query(4, 'whoami', undefined, { jsonrpc: '2.0' })]);
        s.send('PING');
        // The PONG says the server has read every call: only then is the context refused.
        await s.until(() => s.frames.includes('PONG'), 'the PONG');
        openGate(`refused-${peer.name}`);
        await s.until((m) => [1, 2, 3, 4].every((id) => has(m, id, 'error')), 'an error for each call');
      },
      (peer) => `?token=bad&gate=refused-${peer.name}`,
    );
    expect(byRequest(sessions.ours.frames)).toEqual(byRequest(sessions.stock.frames));
    const ours = messagesOf(sessions.ours);
    expect(ours[0]).toMatchObject({ id: null, error: { json: { data: { code: 'UNAUTHORIZED' } } } });
    for (const id of [1, 2, 3, 4]) {
      expect(ours.find((m) => m.id === id)).toMatchObject({
        error: { json: { message: 'Bad token', data: { code: 'UNAUTHORIZED' } } },
      });
    }
  });

  it('keep-alive: a text PING is answered with PONG in every state', async () => {
    const sessions = await onEach(
      peers,
      async (s) => {
        s.send('PING');
        await s.until(() => s.frames.length === 1, 'the PONG before the params');
        s.send(connectionParams(null));
        s.send('PING');
        s.send(subscription(1, 'forever'));
        await s.until((m) => has(m, 1, 'data'), 'the event');
        s.send('PING');
        s.send('PONG'); // a client's PONG needs no answer
        await s.until(() => s.frames.filter((f) => f === 'PONG').length === 3, 'three PONGs');
        await s.barrier();
      },
      '?connectionParams=1',
    );
    expect(byRequest(sessions.ours.frames)).toEqual(byRequest(sessions.stock.frames));
    expect(sessions.ours.frames.filter((f) => f === 'PONG')).toHaveLength(3);
  });
});
