/**
 * The outside world of `eventloop.bench.ts`, in its own process so that none of its work lands
 * on the measured server's event loop: the affiliate's feed (100,000 players over HTTP), N
 * WebSocket subscribers on `leaderboard.onUpdate`, and a probe that asks `/health` every 20 ms
 * and records how long each answer took. Driven over IPC; exits when told or when its parent
 * goes away. Traffic stays on 127.0.0.1.
 */
import superjson from 'superjson';
import WebSocket from 'ws';
import { createFeed, serveFeed } from './feed';

type Command =
  | { type: 'feed'; players: number }
  | { type: 'next-feed'; movedShare: number }
  | { type: 'connect'; url: string; count: number }
  | { type: 'probe-start'; url: string }
  | { type: 'probe-stop' }
  | { type: 'close' };

function send(message: object): void {
  process.send?.(message);
}

// --- the upstream feed ----------------------------------------------------------------------
let feed: Awaited<ReturnType<typeof serveFeed>> | undefined;
let nextFeed: ((movedShare: number) => string) | undefined;

// --- subscribers ---------------------------------------------------------------------------
const sockets: WebSocket[] = [];
let pushes = 0;

async function connect(url: string, count: number): Promise<void> {
  const periods = ['today', 'week', 'month', 'all'] as const;
  let snapshots = 0;
  const allSubscribed = new Promise<void>((resolve) => {
    for (let i = 0; i < count; i++) {
      const socket = new WebSocket(url, { skipUTF8Validation: true });
      sockets.push(socket);
      let first = true;
      socket.on('message', (data) => {
        if (!Buffer.isBuffer(data) || !data.includes('"type":"data"')) return;
        if (first) {
          first = false;
          if (++snapshots === count) resolve();
        } else {
          pushes++;
        }
      });
      socket.on('error', (err) => send({ type: 'error', message: err.message }));
      socket.once('open', () =>
        socket.send(
          JSON.stringify({
            id: 1,
            method: 'subscription',
            params: {
              path: 'leaderboard.onUpdate',
              input: superjson.serialize({ period: periods[i % periods.length], limit: 10 }),
            },
          }),
        ),
      );
    }
  });
  await allSubscribed;
  send({ type: 'connected' });
}

// --- the probe -------------------------------------------------------------------------------
let probing = false;
let probeTimes: number[] = [];

async function probe(url: string): Promise<void> {
  probing = true;
  probeTimes = [];
  while (probing) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    probeTimes.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

process.on('message', (command: Command) => {
  switch (command.type) {
    case 'feed':
      nextFeed = createFeed(command.players);
      void serveFeed().then((served) => {
        feed = served;
        send({ type: 'feed', url: served.url });
      });
      break;
    case 'next-feed':
      feed?.set(nextFeed?.(command.movedShare) ?? '[]');
      send({ type: 'next-feed' });
      break;
    case 'connect':
      void connect(command.url, command.count);
      break;
    case 'probe-start':
      pushes = 0;
      void probe(command.url);
      send({ type: 'probe-started' });
      break;
    case 'probe-stop':
      probing = false;
      send({ type: 'probe', times: probeTimes, pushes });
      break;
    case 'close':
      for (const socket of sockets) socket.terminate();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
