/**
 * The traffic side of `load.bench.ts`, in its own process so the server's memory and CPU are
 * measured alone: HTTP workers sending a mix of queries and mutations, and WebSocket
 * subscribers (some of them reconnecting all the time) — all to 127.0.0.1. Driven over IPC.
 */
import WebSocket from 'ws';

export interface LoadPlan {
  url: string;
  seconds: number;
  /** Concurrent HTTP workers (each one request at a time, keep-alive). */
  workers: number;
  /** WebSocket connections held open, each with one or two subscriptions. */
  subscribers: number;
  /** Connections closed and replaced per second (subscription start/stop churn). */
  churnPerSecond: number;
  userTokens: string[];
  adminToken: string;
  uids: string[];
  raceId: number;
}

export interface KindFigures {
  count: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LoadReport {
  seconds: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  p50Ms: number;
  p99Ms: number;
  byKind: Record<string, KindFigures>;
  ws: {
    opened: number;
    /** Connection to `open`, p99. */
    handshakeP99Ms: number;
    dataFrames: number;
    subscriptionsStarted: number;
    reconnects: number;
    errors: number;
  };
}

type Command = { type: 'run'; plan: LoadPlan } | { type: 'exit' };

const periods = ['today', 'week', 'month', 'all'] as const;
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const query = (input: unknown) => `input=${encodeURIComponent(JSON.stringify({ json: input }))}`;

interface Operation {
  kind: string;
  weight: number;
  request(plan: LoadPlan, n: number): { path: string; init?: RequestInit };
}

let ingestSequence = 0;
const operations: Operation[] = [
  {
    kind: 'query leaderboard.top (cached)',
    weight: 35,
    request: () => ({ path: `leaderboard.top?${query({ period: pick(periods), limit: pick([10, 25, 100]) })}` }),
  },
  {
    kind: 'query leaderboard.position',
    weight: 12,
    request: (plan) => ({
      path: `leaderboard.position?${query({ period: pick(periods), uid: pick(plan.uids), neighbours: 2 })}`,
    }),
  },
  {
    kind: 'query players.get',
    weight: 10,
    request: (plan) => ({ path: `players.get?${query({ uid: pick(plan.uids) })}` }),
  },
  { kind: 'query races.list', weight: 8, request: () => ({ path: `races.list?${query({})}` }) },
  {
    kind: 'query races.standings',
    weight: 5,
    request: (plan) => ({ path: `races.standings?${query({ raceId: plan.raceId, limit: 10 })}` }),
  },
  {
    kind: 'query auth.me (signed in)',
    weight: 10,
    request: (plan) => ({
      path: 'auth.me',
      init: { headers: { authorization: `Bearer ${pick(plan.userTokens)}` } },
    }),
  },
  {
    kind: 'mutation telegram.createLinkCode (signed in)',
    weight: 12,
    request: (plan) => ({
      path: 'telegram.createLinkCode',
      init: {
        method: 'POST',
        headers: { authorization: `Bearer ${pick(plan.userTokens)}`, 'content-type': 'application/json' },
        body: '{}',
      },
    }),
  },
  {
    kind: 'mutation sync.ingest (20 records)',
    weight: 8,
    request: (plan) => {
      const n = ++ingestSequence;
      const at = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
      const records = Array.from({ length: 20 }, (_, i) => {
        const amount = ((n * 31 + i * 17) % 50_000) + 0.25;
        return {
          uid: `load${(n * 20 + i) % 400}`,
          name: `Load Player ${i}`,
          wagered: { today: amount, this_week: amount, this_month: amount, all_time: amount },
          updated_at: at,
        };
      });
      return {
        path: 'sync.ingest',
        init: {
          method: 'POST',
          headers: { authorization: `Bearer ${plan.adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ json: { records } }),
        },
      };
    },
  },
];
const totalWeight = operations.reduce((sum, op) => sum + op.weight, 0);

function chooseOperation(): Operation {
  let r = Math.random() * totalWeight;
  for (const op of operations) {
    r -= op.weight;
    if (r < 0) return op;
  }
  return operations[0] as Operation;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function run(plan: LoadPlan): Promise<LoadReport> {
  const deadline = performance.now() + plan.seconds * 1000;
  const latencies = new Map<string, number[]>();
  const errorsByKind = new Map<string, number>();
  const errorSamples: string[] = [];
  const noteError = (kind: string, what: string) => {
    errorsByKind.set(kind, (errorsByKind.get(kind) ?? 0) + 1);
    if (errorSamples.length < 10) errorSamples.push(`${kind}: ${what}`);
  };

  const worker = async () => {
    let n = 0;
    while (performance.now() < deadline) {
      const op = chooseOperation();
      const { path, init } = op.request(plan, n++);
      const started = performance.now();
      try {
        const res = await fetch(`${plan.url}/trpc/${path}`, init);
        const text = await res.text();
        const elapsed = performance.now() - started;
        if (res.status !== 200) noteError(op.kind, `HTTP ${res.status} ${text.slice(0, 200)}`);
        else {
          JSON.parse(text);
          let list = latencies.get(op.kind);
          if (!list) {
            list = [];
            latencies.set(op.kind, list);
          }
          list.push(elapsed);
        }
      } catch (err) {
        noteError(op.kind, err instanceof Error ? err.message : String(err));
      }
    }
  };

  // Subscribers: each connection holds leaderboard.onUpdate, every other one races.onUpdate too.
  const ws = { opened: 0, dataFrames: 0, subscriptionsStarted: 0, reconnects: 0, errors: 0 };
  const wsUrl = `${plan.url.replace('http', 'ws')}/trpc`;
  const sockets = new Set<WebSocket>();
  const closedByUs = new WeakSet<WebSocket>();
  const handshakes: number[] = [];
  let stopping = false;
  const open = (index: number) => {
    const socket = new WebSocket(wsUrl);
    const connectStarted = performance.now();
    sockets.add(socket);
    socket.on('open', () => {
      ws.opened++;
      handshakes.push(performance.now() - connectStarted);
      const messages: object[] = [
        {
          id: 1,
          method: 'subscription',
          params: { path: 'leaderboard.onUpdate', input: { json: { period: pick(periods), limit: pick([10, 25]) } } },
        },
      ];
      if (index % 2 === 0) {
        messages.push({
          id: 2,
          method: 'subscription',
          params: { path: 'races.onUpdate', input: { json: { raceId: plan.raceId, limit: 10 } } },
        });
      }
      socket.send(JSON.stringify(messages));
    });
    socket.on('message', (data) => {
      const text = String(data);
      if (text.includes('"type":"data"')) ws.dataFrames++;
      else if (text.includes('"type":"started"')) ws.subscriptionsStarted++;
      else if (text.includes('"error"')) {
        ws.errors++;
        noteError('ws subscription', text.slice(0, 200));
      }
    });
    socket.on('error', (err) => {
      if (stopping || closedByUs.has(socket)) return;
      ws.errors++;
      noteError('ws', err.message);
    });
    socket.on('close', (code) => {
      sockets.delete(socket);
      if (stopping || closedByUs.has(socket)) return;
      ws.errors++;
      noteError('ws', `closed by the server (${code})`);
    });
  };
  for (let i = 0; i < plan.subscribers; i++) open(i);
  // Churn: the longest-open connections are closed and replaced (never one still connecting).
  let churned = 0;
  const churn = setInterval(() => {
    let budget = plan.churnPerSecond / 4;
    for (const socket of sockets) {
      if (budget <= 0) break;
      if (socket.readyState !== WebSocket.OPEN) continue;
      budget--;
      closedByUs.add(socket);
      sockets.delete(socket);
      socket.close(1000);
      ws.reconnects++;
      open(churned++);
    }
  }, 250);

  const started = performance.now();
  await Promise.all(Array.from({ length: plan.workers }, worker));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(churn);
  stopping = true;
  await Promise.all(
    [...sockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          closedByUs.add(socket);
          socket.once('close', () => resolve());
          socket.close(1000);
        }),
    ),
  );

  const byKind: Record<string, KindFigures> = {};
  const all: number[] = [];
  for (const op of operations) {
    const list = (latencies.get(op.kind) ?? []).sort((a, b) => a - b);
    all.push(...list);
    const errors = errorsByKind.get(op.kind) ?? 0;
    byKind[op.kind] = { count: list.length + errors, errors, p50Ms: percentile(list, 50), p99Ms: percentile(list, 99) };
  }
  all.sort((a, b) => a - b);
  const errors = [...errorsByKind.values()].reduce((sum, n) => sum + n, 0);
  const httpErrors = Object.values(byKind).reduce((sum, figures) => sum + figures.errors, 0);
  return {
    seconds,
    requests: all.length + httpErrors,
    errors,
    errorSamples,
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    byKind,
    ws: {
      ...ws,
      handshakeP99Ms: percentile(
        handshakes.sort((a, b) => a - b),
        99,
      ),
    },
  };
}

process.on('message', (command: Command) => {
  if (command.type === 'exit') process.exit(0);
  run(command.plan).then(
    (report) => process.send?.({ type: 'report', report }),
    (err: unknown) => process.send?.({ type: 'failed', message: err instanceof Error ? err.stack : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
