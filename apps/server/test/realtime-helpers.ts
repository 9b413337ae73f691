import WebSocket from 'ws';

export interface RawSocket {
  socket: WebSocket;
  /** Every JSON frame received, parsed. */
  frames: unknown[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
}

/** A bare `ws` client speaking the tRPC protocol by hand, to misbehave in precise ways. */
export function openRawSocket(url: string): RawSocket {
  const socket = new WebSocket(url);
  const frames: unknown[] = [];
  socket.on('message', (data) => {
    const text = data.toString();
    if (text !== 'PING' && text !== 'PONG') frames.push(JSON.parse(text));
  });
  socket.on('error', () => {
    // the close event carries what the tests check
  });
  return {
    socket,
    frames,
    opened: new Promise((resolve) => socket.once('open', () => resolve())),
    closed: new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    ),
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
  };
}

/** The tRPC subscribe message for `leaderboard.onUpdate` (superjson input). */
export function subscribeMessage(id: number, input: { period: string; limit?: number } = { period: 'month' }) {
  return { id, method: 'subscription', params: { path: 'leaderboard.onUpdate', input: { json: input } } };
}
