/**
 * Fan-out of one ~1 KB leaderboard snapshot to N WebSocket subscribers: our server (real
 * `leaderboard.onUpdate` subscriptions through the tRPC protocol) beside a bare `ws` server
 * broadcasting the same bytes, in the same run. Each server runs in a fresh child process and
 * the subscribers in another, so the server's memory and CPU are its own. Per update, the
 * latency of a delivery is its arrival minus the moment the server started the fan-out;
 * messages/s is deliveries over the time to deliver each whole update.
 *
 * `FANOUT_SUBSCRIBERS=1000,5000` (default) and `FANOUT_UPDATES=20` tune it; traffic stays on
 * 127.0.0.1 and every wait is bounded.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import type { BenchRow } from './run';

type Mode = 'raw' | 'ours' | 'ours-deflate';

interface Result {
  mode: Mode;
  subscribers: number;
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  bytesPerConnection: number;
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

async function measure(mode: Mode, subscribers: number, limit = 10): Promise<Result> {
  const server = spawn('./fanout-server.ts');
  const clients = spawn('./fanout-clients.ts');
  try {
    const started = await ask<{ url: string; subscribe: string | null; frameBytes: number }>(
      server,
      { type: 'start', mode, limit },
      'started',
    );
    const before = await ask<{ rss: number; heap: number }>(server, { type: 'measure' }, 'memory');
    const ready = ask(clients, null, 'ready');
    await ask(
      clients,
      { type: 'connect', url: started.url, count: subscribers, subscribe: started.subscribe },
      'connected',
    );
    await ready;
    const after = await ask<{ rss: number; heap: number }>(server, { type: 'measure' }, 'memory');

    const t0s: number[] = [];
    for (let round = 0; round < UPDATES; round++) {
      await ask(clients, { type: 'arm', round }, 'armed');
      const delivered = ask(clients, null, 'delivered');
      const published = await ask<{ t0: number }>(server, { type: 'publish', round }, 'published');
      t0s.push(published.t0);
      await delivered;
    }
    const { arrivals, sample } = await ask<{ arrivals: number[][]; sample: string }>(
      clients,
      { type: 'report' },
      'report',
    );

    const latencies: number[] = [];
    let busyMicros = 0;
    arrivals.forEach((times, round) => {
      const t0 = t0s[round] ?? 0;
      let last = t0;
      for (const t of times) {
        latencies.push((t - t0) / 1000);
        if (t > last) last = t;
      }
      busyMicros += last - t0;
    });
    latencies.sort((a, b) => a - b);
    return {
      mode,
      subscribers,
      messagesPerSecond: (subscribers * UPDATES) / (busyMicros / 1e6),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      bytesPerConnection: (after.rss - before.rss) / subscribers,
      heapPerConnection: (after.heap - before.heap) / subscribers,
      frameBytes: started.frameBytes,
      deflatedBytes: deflateRawSync(sample).length,
    };
  } finally {
    clients.send({ type: 'close' });
    server.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function rows(ours: Result, raw: Result, label: string): BenchRow[] {
  const n = ours.subscribers;
  return [
    {
      metric: `${label} ${n} subscribers: messages/s`,
      ours: ours.messagesPerSecond,
      reference: raw.messagesPerSecond,
      unit: 'msg/s',
      target: n === 5000 && label === 'ws' ? '>= 0.5x' : undefined,
    },
    { metric: `${label} ${n} subscribers: delivery p50`, ours: ours.p50Ms, reference: raw.p50Ms, unit: 'ms' },
    {
      metric: `${label} ${n} subscribers: delivery p99`,
      ours: ours.p99Ms,
      reference: raw.p99Ms,
      unit: 'ms',
      target: n === 5000 && label === 'ws' ? '<= 2.5x' : undefined,
    },
    {
      metric: `${label} ${n} subscribers: server RSS per connection`,
      ours: ours.bytesPerConnection / 1024,
      reference: raw.bytesPerConnection / 1024,
      unit: 'KB',
      target: n === 5000 && label === 'ws' ? '<= 20 KB' : undefined,
    },
    {
      metric: `${label} ${n} subscribers: server heap+external per connection`,
      ours: ours.heapPerConnection / 1024,
      reference: raw.heapPerConnection / 1024,
      unit: 'KB',
    },
  ];
}

export default async function fanout(): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  for (const subscribers of COUNTS) {
    const raw = await measure('raw', subscribers);
    const ours = await measure('ours', subscribers);
    console.log(
      `  frame ${raw.frameBytes} bytes (${raw.deflatedBytes} deflated); ${subscribers} subscribers × ${UPDATES} updates`,
    );
    out.push(...rows(ours, raw, 'ws'));
  }
  if (process.env.FANOUT_DEFLATE !== '0') {
    // permessage-deflate costs CPU per subscriber (each socket compresses its own copy) and
    // compresses only frames over its 1 KB threshold: measured on a top-25 (~2.4 KB) frame,
    // ours with deflate against ours without.
    const subscribers = Math.min(...COUNTS);
    const plain = await measure('ours', subscribers, 25);
    const deflate = await measure('ours-deflate', subscribers, 25);
    console.log(
      `  top-25 frame ${plain.frameBytes} bytes, ${deflate.deflatedBytes} bytes deflated; ${subscribers} subscribers`,
    );
    out.push(...rows(deflate, plain, 'deflate vs none').filter((row) => !row.metric.includes('heap')));
  }
  return out;
}
