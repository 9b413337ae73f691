/**
 * The outside world of `eventloop.bench.ts`, in its own process so that none of its work lands
 * on the measured server's event loop: the affiliate's feed (100,000 players over HTTP), N
 * WebSocket subscribers on `leaderboard.onUpdate`, and a probe that asks `/health` every 20 ms
 * and records how long each answer took. Driven over IPC; exits when told or when its parent
 * goes away. Traffic stays on 127.0.0.1.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import superjson from 'superjson';
import WebSocket from 'ws';

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

// --- the upstream feed: cumulative totals, one timestamp per fetch -------------------------
let body = '{"data":[],"next_cursor":null}';
let cents: number[] = [];
let fetches = 0;

function nextFeed(movedShare: number): void {
  fetches++;
  if (fetches > 1) {
    for (let i = 0; i < cents.length; i++) if (i % 100 < movedShare * 100) cents[i] = (cents[i] ?? 0) + 12_345;
  }
  const at = new Date(Date.UTC(2026, 0, 1, 12, fetches)).toISOString();
  const data = cents.map((c, i) => {
    const amount = `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
    return {
      uid: `p${String(i).padStart(6, '0')}`,
      name: `Player ${i}`,
      wagered: { today: amount, this_week: amount, this_month: amount, all_time: amount },
      updated_at: at,
    };
  });
  body = JSON.stringify({ data, next_cursor: null });
}

async function serveFeed(players: number): Promise<string> {
  cents = Array.from({ length: players }, (_, i) => 1000 + ((i * 7919) % 5_000_000));
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed`;
}

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
      void serveFeed(command.players).then((url) => send({ type: 'feed', url }));
      break;
    case 'next-feed':
      nextFeed(command.movedShare);
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
