/**
 * Long-lived connections made with a credential, spoken at the frame level so a test can see
 * exactly what the server sends and when: a WebSocket signed in through connectionParams (as the
 * bot and scripts connect), and an SSE stream with a bearer token.
 */
import { waitFor } from '@goated/testing';
import { openRawSocket, type RawSocket } from './realtime-helpers';

/** A server frame for one request id, with superjson's `{ json }` wrapping taken off. */
export interface Frame {
  id: number | string | null;
  result?: { type?: string; data?: unknown };
  error?: { message: string; data?: { code?: string } };
}

function unwrap(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'json' in value ? value.json : value;
}

function toFrame(value: unknown): Frame | null {
  if (typeof value !== 'object' || value === null || !('id' in value)) return null;
  const id = value.id;
  if (typeof id !== 'number' && typeof id !== 'string' && id !== null) return null;
  const frame: Frame = { id };
  if ('result' in value && typeof value.result === 'object' && value.result !== null) {
    const result = value.result;
    frame.result = {
      type: 'type' in result && typeof result.type === 'string' ? result.type : undefined,
      data: 'data' in result ? unwrap(result.data) : undefined,
    };
  }
  if ('error' in value) {
    const error = unwrap(value.error);
    if (typeof error === 'object' && error !== null) {
      const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
      const data = 'data' in error && typeof error.data === 'object' && error.data !== null ? error.data : {};
      const code = 'code' in data && typeof data.code === 'string' ? data.code : undefined;
      frame.error = { message, data: { code } };
    }
  }
  return frame;
}

export interface SignedSocket extends RawSocket {
  /** Sends a query, mutation or subscription (superjson input) with this id. */
  call(id: number, method: 'query' | 'mutation' | 'subscription', path: string, input?: unknown): void;
  /** The first frame for `id` that `accept` takes. */
  frame(id: number, accept?: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** The answer to a query or mutation: its data or its error. */
  reply(id: number, timeoutMs?: number): Promise<Frame>;
  /** The error that ended the subscription `id`. */
  ended(id: number, timeoutMs?: number): Promise<NonNullable<Frame['error']>>;
}

/** A WebSocket to `/trpc` whose first message is `{ token }` as connectionParams. */
export async function signedSocket(url: string, token: string): Promise<SignedSocket> {
  const raw = openRawSocket(`${url.replace('http', 'ws')}/trpc?connectionParams=1`);
  await raw.opened;
  raw.send({ method: 'connectionParams', data: { token } });
  const find = (id: number, accept: (frame: Frame) => boolean) => {
    for (const value of raw.frames) {
      const frame = toFrame(value);
      if (frame && frame.id === id && accept(frame)) return frame;
    }
    return undefined;
  };
  const frame = async (id: number, accept: (frame: Frame) => boolean = () => true, timeoutMs = 15_000) => {
    await waitFor(() => find(id, accept) !== undefined, { label: `frame ${id}`, timeoutMs }).catch((err: unknown) => {
      throw new Error(`${String(err)}; frames so far: ${JSON.stringify(raw.frames).slice(0, 2000)}`);
    });
    const found = find(id, accept);
    if (!found) throw new Error(`frame ${id} vanished`);
    return found;
  };
  return {
    ...raw,
    call(id, method, path, input) {
      raw.send({ id, method, params: { path, input: { json: input } } });
    },
    frame,
    reply: (id, timeoutMs) => frame(id, (f) => f.error !== undefined || f.result?.type === 'data', timeoutMs),
    ended: async (id, timeoutMs) => {
      const found = await frame(id, (f) => f.error !== undefined, timeoutMs);
      if (!found.error) throw new Error('unreachable');
      return found.error;
    },
  };
}

export interface SseStream {
  /** Every `data:` payload and `event:` name received so far, in order. */
  events: { event: string | null; data: string }[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** A Server-Sent-Events subscription (tRPC's httpSubscriptionLink wire format) with a bearer token. */
export async function sseStream(url: string, path: string, input: unknown, token: string): Promise<SseStream> {
  const controller = new AbortController();
  const query = encodeURIComponent(JSON.stringify({ json: input }));
  const res = await fetch(`${url}/trpc/${path}?input=${query}`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const reader = res.body?.getReader();
  if (!reader) throw new Error(`no event stream (${res.status})`);
  const events: SseStream['events'] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const ended = (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      let split = buffer.indexOf('\n\n');
      while (split !== -1) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        let event: string | null = null;
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trim());
        }
        if (event !== null || data.length > 0) events.push({ event, data: data.join('\n') });
        split = buffer.indexOf('\n\n');
      }
    }
  })();
  return { events, ended, close: () => controller.abort() };
}
