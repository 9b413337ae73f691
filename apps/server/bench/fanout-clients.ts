/**
 * The subscriber side of `fanout.bench.ts`, in its own process so the server's CPU and memory
 * are measured alone. Opens N WebSocket connections to 127.0.0.1, optionally sends each a
 * subscribe message, and records when each data frame arrives (monotonic clock, shared by
 * processes on one machine). Driven over IPC; exits when told or when its parent goes away.
 */
import WebSocket from 'ws';

type Command =
  | { type: 'connect'; url: string; count: number; subscribe: string | null }
  | { type: 'arm'; round: number }
  | { type: 'report' }
  | { type: 'close' };

const DATA_MARKER = Buffer.from('"type":"data"');
const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

let sockets: WebSocket[] = [];
let expected = 0;
let received = 0;
let round = -1;
let arrivals: number[][] = [];
/** One data frame as received, for its size and compressibility. */
let sample = '';

function send(message: object): void {
  process.send?.(message);
}

function onData(data: WebSocket.RawData): void {
  if (!Buffer.isBuffer(data) || data.indexOf(DATA_MARKER) === -1) return;
  if (!sample) sample = data.toString();
  if (round < 0) {
    // the initial snapshot each subscriber gets on connect
    received++;
    if (received === expected) send({ type: 'ready' });
    return;
  }
  const times = arrivals[round];
  if (!times) return;
  times.push(nowMicros());
  if (times.length === expected) send({ type: 'delivered', round });
}

async function connect(url: string, count: number, subscribe: string | null): Promise<void> {
  expected = count;
  received = 0;
  round = -1;
  arrivals = [];
  const batch = 200;
  for (let i = 0; i < count; i += batch) {
    const opened = Array.from({ length: Math.min(batch, count - i) }, () => {
      // Lighter on the client side, the same for both servers: the bottleneck should be the server.
      const socket = new WebSocket(url, { skipUTF8Validation: true });
      sockets.push(socket);
      socket.on('message', onData);
      socket.on('error', (err) => send({ type: 'error', message: err.message }));
      return new Promise<void>((resolve) => {
        socket.once('open', () => {
          if (subscribe) socket.send(subscribe);
          resolve();
        });
      });
    });
    await Promise.all(opened);
  }
  send({ type: 'connected' });
}

process.on('message', (command: Command) => {
  switch (command.type) {
    case 'connect':
      void connect(command.url, command.count, command.subscribe);
      break;
    case 'arm':
      round = command.round;
      arrivals[round] = [];
      send({ type: 'armed', round });
      break;
    case 'report':
      send({ type: 'report', arrivals, sample });
      break;
    case 'close':
      for (const socket of sockets) socket.terminate();
      sockets = [];
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
