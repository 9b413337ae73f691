/**
 * The server side of `fanout.bench.ts`, one fresh process per measured server so memory
 * figures are not muddied by the other. Mode `raw`: a bare `ws` server broadcasting one
 * pre-serialized string per update. Mode `ours` (and `ours-deflate`): the real server
 * (`createServer`, PGlite) with subscribers on `leaderboard.onUpdate`; an update is a real
 * data change followed by the bus event the sync would publish.
 */
import { createInProcessBus, leaderboardUpdates, runSync, subscribeDirect } from '@goated/api/server';
import { createTestDb } from '@goated/testing/db';
import superjson from 'superjson';
import { WebSocketServer } from 'ws';
import { createServer } from '../src/app';
import { loadConfig } from '../src/config';

type Mode = 'raw' | 'ours' | 'ours-deflate';
type Command = { type: 'start'; mode: Mode; limit: number } | { type: 'measure' } | { type: 'publish'; round: number };

const SEEDED = 200;
let limit = 10;
const nowMicros = () => Number(process.hrtime.bigint() / 1000n);
const send = (message: object) => process.send?.(message);

const seeded = Array.from({ length: SEEDED }, (_, i) => ({
  uid: `player-${String(i).padStart(4, '0')}`,
  name: `Lucky Goat ${String(i).padStart(4, '0')}`,
  wagered: (100_000 - i * 100).toFixed(2),
}));
const hot = (round: number) => ({
  uid: `hot-streak-${String(round).padStart(3, '0')}`,
  name: `Hot Streak ${String(round).padStart(3, '0')}`,
  wagered: (200_000 + round * 1000).toFixed(2),
});
const feedOf = (players: { uid: string; name: string; wagered: string }[]) => ({
  name: 'bench',
  fetchRecords: async () =>
    players.map((p) => ({
      uid: p.uid,
      name: p.name,
      wagered: { today: p.wagered, this_week: p.wagered, this_month: p.wagered, all_time: p.wagered },
      updated_at: new Date().toISOString(),
    })),
});

/** The top N after `round` updates (hot players first), as `leaderboard.onUpdate` yields it. */
function topAfter(round: number) {
  const hots = Array.from({ length: round + 1 }, (_, i) => hot(round - i));
  const entries = [...hots, ...seeded].slice(0, limit).map((p, i) => ({ ...p, rank: i + 1 }));
  return { period: 'month' as const, entries, nextCursor: limit, generatedAt: new Date() };
}

function rawFrame(round: number): string {
  const id = String(round + 1);
  return JSON.stringify({
    id: 1,
    result: { type: 'data', data: superjson.serialize({ id, data: topAfter(round) }), id },
  });
}

/** Resolves with the fan-out's start time, the publish time being `t0`. */
let publish: (round: number) => Promise<{ t0: number; fanoutAt: number }>;

async function start(mode: Mode, topN: number): Promise<void> {
  limit = topN;
  if (mode === 'raw') {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const initial = rawFrame(0);
    wss.on('connection', (socket) => socket.send(initial));
    publish = async (round) => {
      const payload = rawFrame(round + 1);
      const t0 = nowMicros();
      for (const client of wss.clients) client.send(payload);
      return { t0, fanoutAt: t0 };
    };
    const address = wss.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    send({ type: 'started', url: `ws://127.0.0.1:${port}`, subscribe: null, frameBytes: initial.length });
    return;
  }

  const db = await createTestDb('pglite');
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    SYNC_ENABLED: 'false',
    // Load from one address: keep the rate tier (its cost counts) but out of the way.
    RATE_LIMIT_QUERIES_PER_MIN: '1000000000',
    ADMIN_USERNAME: 'bench_admin',
    ADMIN_PASSWORD: 'bench admin password',
    WEB_DIST: '/nonexistent',
    WS_COMPRESSION: mode === 'ours-deflate' ? 'true' : 'false',
    // The shortest coalescing window: end to end then measures delivery, not the wait for it.
    LEADERBOARD_PUSH_INTERVAL_MS: '50',
  });
  const server = await createServer(config, { db });
  const quiet = { db: db.db, bus: createInProcessBus() };
  await runSync(quiet, feedOf([...seeded, hot(0)]));
  const url = await server.start();
  // The first subscriber of the very stream the subscribers join (`leaderboard.onUpdate`'s):
  // called just before they are, so it marks the start of the fan-out (after the stream's one
  // database reload).
  let onFanout: ((at: number) => void) | undefined;
  leaderboardUpdates(server.deps, { period: 'month', limit })[subscribeDirect]({
    next: () => onFanout?.(nowMicros()),
    error: () => {},
  });
  publish = async (round) => {
    // The write is not part of the fan-out: apply it quietly, then publish the sync's event.
    await runSync(quiet, feedOf([hot(round + 1)]));
    const fanout = new Promise<number>((resolve) => {
      onFanout = resolve;
    });
    const t0 = nowMicros();
    await server.deps.bus.publish('leaderboard.changed', { changedPlayers: 1, at: new Date().toISOString() });
    return { t0, fanoutAt: await fanout };
  };
  const subscribe = JSON.stringify({
    id: 1,
    method: 'subscription',
    params: { path: 'leaderboard.onUpdate', input: superjson.serialize({ period: 'month', limit }) },
  });
  send({
    type: 'started',
    url: `${url.replace(/^http/, 'ws')}/trpc`,
    subscribe,
    frameBytes: rawFrame(0).length,
  });
}

process.on('message', (command: Command) => {
  switch (command.type) {
    case 'start':
      start(command.mode, command.limit).catch((err: unknown) => {
        send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      });
      break;
    case 'measure': {
      for (let i = 0; i < 3; i++) globalThis.gc?.();
      const m = process.memoryUsage();
      send({ type: 'memory', rss: m.rss, heap: m.heapUsed + m.external });
      break;
    }
    case 'publish':
      void publish(command.round).then((times) => send({ type: 'published', round: command.round, ...times }));
      break;
  }
});
process.on('disconnect', () => process.exit(0));
