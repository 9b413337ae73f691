/**
 * Fan-out of one ~1 KB leaderboard snapshot to N WebSocket subscribers: our server (real
 * `leaderboard.onUpdate` subscriptions through the tRPC protocol) beside a bare `ws` server
 * broadcasting the same bytes, in the same run. Each server runs in a fresh child process and
 * each set of subscribers in another, so a server's memory and CPU are its own; the two run
 * side by side and their updates alternate round by round, so a busy machine slows both alike.
 *
 * Per update: `t0` is when the server learns of it (raw: the broadcast; ours: the bus event, then
 * one database reload by the shared stream) and the fan-out starts when the first socket write
 * is about to happen. Latency of a delivery = its arrival minus the fan-out start ("fan-out"
 * rows), or minus `t0` ("end to end", ours includes the stream's 50 ms coalescing window and
 * the reload). Messages/s = deliveries over the time from fan-out start to the last arrival of
 * each update.
 *
 * `FANOUT_SUBSCRIBERS=1000,5000` (default), `FANOUT_UPDATES=20`, `FANOUT_DEFLATE=0` to skip the
 * permessage-deflate comparison. Traffic stays on 127.0.0.1 and every wait is bounded.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import type { BenchRow } from './run';

type Mode = 'raw' | 'ours' | 'ours-deflate';

interface Memory {
  rss: number;
  heap: number;
}

interface Side {
  mode: Mode;
  subscribers: number;
  server: ChildProcess;
  clients: ChildProcess;
  frameBytes: number;
  before: Memory;
  after: Memory;
  t0s: number[];
  fanoutAts: number[];
}

interface Result {
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  endToEndP99Ms: number;
  rssPerConnection: number;
  heapPerConnection: number;
  frameBytes: number;
  /** What permessage-deflate makes of one frame (no context takeover, as configured). */
  deflatedBytes: number;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const UPDATES = Number(process.env.FANOUT_UPDATES ?? 20);
const COUNTS = (process.env.FANOUT_SUBSCRIBERS ?? '1000,5000').split(',').map(Number);
const STEP_TIMEOUT_MS = 60_000;

function spawn(file: string): ChildProcess {
  return fork(here(file), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Sends `command` and resolves with the next message of type `reply`. */
function ask<T>(child: ChildProcess, command: object | null, reply: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for "${reply}"`));
    }, STEP_TIMEOUT_MS);
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`a bench process exited (${code}) while waiting for "${reply}"`));
    };
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: { type: string; message?: string }) => {
      if (message.type === 'error') {
        done();
        reject(new Error(message.message));
      } else if (message.type === reply) {
        done();
        resolve(message as T);
      }
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (command) child.send(command);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** A server with its subscribers connected, subscribed and holding their first snapshot. */
async function startSide(mode: Mode, subscribers: number, limit: number): Promise<Side> {
  const server = spawn('./fanout-server.ts');
  const clients = spawn('./fanout-clients.ts');
  const started = await ask<{ url: string; subscribe: string | null; frameBytes: number }>(
    server,
    { type: 'start', mode, limit },
    'started',
  );
  const before = await ask<Memory>(server, { type: 'measure' }, 'memory');
  const ready = ask(clients, null, 'ready');
  await ask(
    clients,
    { type: 'connect', url: started.url, count: subscribers, subscribe: started.subscribe },
    'connected',
  );
  await ready;
  const after = await ask<Memory>(server, { type: 'measure' }, 'memory');
  return { mode, subscribers, server, clients, frameBytes: started.frameBytes, before, after, t0s: [], fanoutAts: [] };
}

async function runRound(side: Side, round: number): Promise<void> {
  await ask(side.clients, { type: 'arm', round }, 'armed');
  const delivered = ask(side.clients, null, 'delivered');
  const published = await ask<{ t0: number; fanoutAt: number }>(side.server, { type: 'publish', round }, 'published');
  side.t0s.push(published.t0);
  side.fanoutAts.push(published.fanoutAt);
  await delivered;
}

async function finish(side: Side): Promise<Result> {
  try {
    const { arrivals, sample } = await ask<{ arrivals: number[][]; sample: string }>(
      side.clients,
      { type: 'report' },
      'report',
    );
    const latencies: number[] = [];
    const endToEnd: number[] = [];
    let busyMicros = 0;
    arrivals.forEach((times, round) => {
      const t0 = side.t0s[round] ?? 0;
      const start = side.fanoutAts[round] ?? t0;
      let last = start;
      for (const t of times) {
        latencies.push((t - start) / 1000);
        endToEnd.push((t - t0) / 1000);
        if (t > last) last = t;
      }
      busyMicros += last - start;
    });
    latencies.sort((a, b) => a - b);
    endToEnd.sort((a, b) => a - b);
    return {
      messagesPerSecond: (side.subscribers * arrivals.length) / (busyMicros / 1e6),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      endToEndP99Ms: percentile(endToEnd, 99),
      rssPerConnection: (side.after.rss - side.before.rss) / side.subscribers,
      heapPerConnection: (side.after.heap - side.before.heap) / side.subscribers,
      frameBytes: side.frameBytes,
      deflatedBytes: deflateRawSync(sample).length,
    };
  } finally {
    side.clients.send({ type: 'close' });
    side.server.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Both servers up at once; rounds alternate which goes first. */
async function compare(
  oursMode: Mode,
  referenceMode: Mode,
  subscribers: number,
  limit: number,
): Promise<{ ours: Result; reference: Result }> {
  const reference = await startSide(referenceMode, subscribers, limit);
  const ours = await startSide(oursMode, subscribers, limit);
  for (let round = 0; round < UPDATES; round++) {
    const order = round % 2 === 0 ? [reference, ours] : [ours, reference];
    for (const side of order) await runRound(side, round);
  }
  return { reference: await finish(reference), ours: await finish(ours) };
}

function rows(ours: Result, reference: Result, label: string, n: number, targets: boolean): BenchRow[] {
  return [
    {
      metric: `${label} ${n} subscribers: messages/s`,
      ours: ours.messagesPerSecond,
      reference: reference.messagesPerSecond,
      unit: 'msg/s',
      target: targets ? '>= 0.95x' : undefined,
    },
    { metric: `${label} ${n} subscribers: fan-out p50`, ours: ours.p50Ms, reference: reference.p50Ms, unit: 'ms' },
    {
      metric: `${label} ${n} subscribers: fan-out p99`,
      ours: ours.p99Ms,
      reference: reference.p99Ms,
      unit: 'ms',
      target: targets ? '<= 2.5x' : undefined,
    },
    {
      metric: `${label} ${n} subscribers: end-to-end p99 (ours incl. the 50 ms coalescing window and one DB reload)`,
      ours: ours.endToEndP99Ms,
      reference: reference.endToEndP99Ms,
      unit: 'ms',
    },
    {
      metric: `${label} ${n} subscribers: server RSS per connection`,
      ours: ours.rssPerConnection / 1024,
      reference: reference.rssPerConnection / 1024,
      unit: 'KB',
      target: targets ? '<= 20 KB' : undefined,
    },
    {
      metric: `${label} ${n} subscribers: server heap+external per connection`,
      ours: ours.heapPerConnection / 1024,
      reference: reference.heapPerConnection / 1024,
      unit: 'KB',
      target: targets ? '<= 4 KB' : undefined,
    },
  ];
}

export default async function fanout(): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  for (const subscribers of COUNTS) {
    const { ours, reference } = await compare('ours', 'raw', subscribers, 10);
    console.log(
      `  frame ${reference.frameBytes} bytes (${reference.deflatedBytes} deflated); ${subscribers} subscribers × ${UPDATES} updates`,
    );
    out.push(...rows(ours, reference, 'ws vs raw', subscribers, subscribers >= 5000));
  }
  if (process.env.FANOUT_DEFLATE !== '0') {
    // permessage-deflate costs CPU per subscriber (each socket compresses its own copy) and
    // compresses only frames over its 1 KB threshold: measured on a top-25 (~2.2 KB) frame,
    // ours with deflate against ours without.
    const subscribers = Math.min(...COUNTS);
    const { ours, reference } = await compare('ours-deflate', 'ours', subscribers, 25);
    console.log(
      `  top-25 frame ${reference.frameBytes} bytes, ${ours.deflatedBytes} bytes deflated; ${subscribers} subscribers`,
    );
    out.push(...rows(ours, reference, 'deflate vs none', subscribers, false).filter((r) => !r.metric.includes('heap')));
  }
  return out;
}
