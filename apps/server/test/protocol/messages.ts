/** The client's side of the protocol, written by hand: exactly the messages `wsLink` sends. */
import superjson from 'superjson';
import type { Message } from './peers';

type Id = number | string;
type Extra = { jsonrpc?: '2.0'; lastEventId?: string };

const params = (path: string, input: unknown, lastEventId?: string) => ({
  path,
  input: superjson.serialize(input),
  ...(lastEventId === undefined ? {} : { lastEventId }),
});

export const query = (id: Id, path: string, input?: unknown, extra: Extra = {}) => ({
  id,
  ...(extra.jsonrpc ? { jsonrpc: extra.jsonrpc } : {}),
  method: 'query',
  params: params(path, input, extra.lastEventId),
});

export const mutation = (id: Id, path: string, input?: unknown) => ({
  id,
  method: 'mutation',
  params: params(path, input),
});

export const subscription = (id: Id, path: string, input?: unknown, extra: Extra = {}) => ({
  id,
  ...(extra.jsonrpc ? { jsonrpc: extra.jsonrpc } : {}),
  method: 'subscription',
  params: params(path, input, extra.lastEventId),
});

export const stop = (id: Id) => ({ id, method: 'subscription.stop' });

export const connectionParams = (data: unknown) => ({ method: 'connectionParams', data });

/** Whether `id` has received a frame of `type` (`error` for an error frame). */
export const has = (messages: Message[], id: Id | null, type: 'started' | 'data' | 'stopped' | 'error') =>
  messages.some((m) => m.id === id && (type === 'error' ? m.error !== undefined : m.result?.type === type));

/** The data of `id`'s data frames, deserialized. */
export const dataOf = (messages: Message[], id: Id): unknown[] =>
  messages
    .filter((m) => m.id === id && m.result?.type === 'data')
    .map((m) => superjson.deserialize(m.result?.data as Parameters<typeof superjson.deserialize>[0]));
