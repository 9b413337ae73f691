/**
 * The one router of the protocol suite, served by tRPC's own `applyWSSHandler` and by our
 * transport alike: every kind of answer (values, errors, batches) and every kind of producer
 * (async generators, observables, a shared stream; fresh, reused-and-mutated and frozen
 * objects; streams that complete, fail, or never end).
 */
import { SharedStream } from '@goated/api/server';
import { initTRPC, TRPCError, tracked } from '@trpc/server';
import type { CreateWSSContextFnOptions } from '@trpc/server/adapters/ws';
import { observable } from '@trpc/server/observable';
import superjson from 'superjson';
import { z } from 'zod';

export interface ProtocolContext {
  token: string | null;
}

// Not dev: error shapes carry no stack, so both servers' frames compare byte for byte.
const t = initTRPC.context<ProtocolContext>().create({ transformer: superjson, isDev: false });

/** Deferreds the tests open: a context waits on `?gate=<name>` until its gate opens. */
const gates = new Map<string, { promise: Promise<void>; open: () => void }>();
function gate(name: string) {
  let entry = gates.get(name);
  if (!entry) {
    let open = () => {};
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    entry = { promise, open };
    gates.set(name, entry);
  }
  return entry;
}
export const openGate = (name: string) => gate(name).open();

/** Tokens refused with SERVICE_UNAVAILABLE while listed (the database briefly unreachable), and how often. */
export const unavailable = { tokens: new Set<string>(), refusals: new Map<string, number>() };

/**
 * The connection's context: `token` from the connectionParams or the URL; `bad` is refused
 * with UNAUTHORIZED, a token in `unavailable.tokens` with SERVICE_UNAVAILABLE. With
 * `?gate=<name>` it waits for the test to open that gate first, so calls can be made to arrive
 * before the refusal.
 */
export async function createProtocolContext({ req, info }: CreateWSSContextFnOptions): Promise<ProtocolContext> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const gateName = url.searchParams.get('gate');
  if (gateName) await gate(gateName).promise;
  const token = info.connectionParams?.token ?? url.searchParams.get('token');
  if (token === 'bad') throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Bad token' });
  if (token && unavailable.tokens.has(token)) {
    unavailable.refusals.set(token, (unavailable.refusals.get(token) ?? 0) + 1);
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; retry shortly' });
  }
  return { token: token ?? null };
}

/** A shared stream's source: `bump()` changes the value and tells the stream. */
export const ticker = {
  value: 0,
  listeners: new Set<() => void>(),
  bump() {
    ticker.value++;
    for (const onChange of ticker.listeners) onChange();
  },
};
const tickerStream = new SharedStream<{ n: number }>({
  load: async () => ({ n: ticker.value }),
  watch: (onChange) => {
    ticker.listeners.add(onChange);
    return () => ticker.listeners.delete(onChange);
  },
});

/** An append-only log whose subscribers resume after `lastEventId`. */
export const eventLog = {
  entries: [] as { id: number; text: string }[],
  waiters: new Set<() => void>(),
  append(text: string) {
    eventLog.entries.push({ id: eventLog.entries.length + 1, text });
    for (const wake of eventLog.waiters) wake();
  },
};
async function* followLog(lastEventId: string | null | undefined, signal: AbortSignal | undefined) {
  let next = lastEventId ? Number(lastEventId) : 0;
  while (!signal?.aborted) {
    const entry = eventLog.entries[next];
    if (entry) {
      next++;
      yield tracked(String(entry.id), entry);
      continue;
    }
    await new Promise<void>((resolve) => {
      const wake = () => {
        eventLog.waiters.delete(wake);
        resolve();
      };
      eventLog.waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }
}

const untilAborted = (signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    if (!signal || signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

const count = z.object({ count: z.number().int().min(1).max(10).default(3) }).default({ count: 3 });

export const protocolRouter = t.router({
  hello: t.procedure
    .input(z.object({ name: z.string() }))
    .query(({ input }) => ({ greeting: `hi ${input.name}`, at: new Date(0) })),
  /** superjson's types, end to end. */
  values: t.procedure.query(() => ({
    date: new Date(86_400_000),
    map: new Map([['a', 1]]),
    set: new Set(['x']),
    big: 10n,
    missing: undefined,
    nested: [{ deep: [1, 'two', null] }],
  })),
  whoami: t.procedure.query(({ ctx }) => ctx.token),
  add: t.procedure.input(z.object({ a: z.number(), b: z.number() })).mutation(({ input }) => input.a + input.b),
  conflict: t.procedure.query(() => {
    throw new TRPCError({ code: 'CONFLICT', message: 'Already taken' });
  }),
  crash: t.procedure.query(() => {
    throw new Error('boom');
  }),
  /** A query may not return a stream over a WebSocket. */
  streamingQuery: t.procedure.query(() => observable<number>((emit) => emit.next(1))),
  barrier: t.procedure.query(() => 'ok'),

  /** Three fresh objects. */
  fresh: t.procedure.input(count).subscription(async function* ({ input }) {
    for (let n = 1; n <= input.count; n++) yield { n };
  }),
  /** One object, changed and yielded again in the same turn (issue #16, item 1). */
  reused: t.procedure.input(count).subscription(async function* ({ input }) {
    const state = { n: 0 };
    for (let n = 1; n <= input.count; n++) {
      state.n = n;
      yield state;
    }
  }),
  /** Frozen on the outside, changing inside. */
  frozenOuter: t.procedure.input(count).subscription(async function* ({ input }) {
    const inner = { n: 0 };
    const outer = Object.freeze({ inner });
    for (let n = 1; n <= input.count; n++) {
      inner.n = n;
      yield outer;
    }
  }),
  /** Fresh frozen objects. */
  frozen: t.procedure.input(count).subscription(async function* ({ input }) {
    for (let n = 1; n <= input.count; n++) yield Object.freeze({ n });
  }),
  /** Fresh objects, emitted synchronously, then complete. */
  observableFresh: t.procedure.input(count).subscription(({ input }) =>
    observable<{ n: number }>((emit) => {
      for (let n = 1; n <= input.count; n++) emit.next({ n });
      emit.complete();
    }),
  ),
  /** One object, changed and emitted again synchronously. */
  observableReused: t.procedure.input(count).subscription(({ input }) =>
    observable<{ n: number }>((emit) => {
      const state = { n: 0 };
      for (let n = 1; n <= input.count; n++) {
        state.n = n;
        emit.next(state);
      }
      emit.complete();
    }),
  ),
  observableFails: t.procedure.subscription(() =>
    observable<{ n: number }>((emit) => {
      emit.next({ n: 1 });
      emit.error(new TRPCError({ code: 'CONFLICT', message: 'Observable gave up' }));
    }),
  ),
  /** One producer for every subscriber (the leaderboard's shape); `ticker.bump()` moves it. */
  shared: t.procedure.subscription(({ signal }) => tickerStream.subscribe(signal)),
  log: t.procedure
    .input(z.object({ lastEventId: z.string().nullish() }).default({}))
    .subscription(({ input, signal }) => followLog(input.lastEventId, signal)),
  /** Tracked events 1..3 after `lastEventId`, then done. */
  trackedCount: t.procedure
    .input(z.object({ lastEventId: z.string().nullish() }).default({}))
    .subscription(async function* ({ input }) {
      for (let i = Number(input.lastEventId ?? 0) + 1; i <= 3; i++) yield tracked(String(i), { i });
    }),
  /** One event, then a TRPCError (issue #16, item 3). */
  failsAfterOne: t.procedure.subscription(async function* () {
    yield { n: 1 };
    throw new TRPCError({ code: 'CONFLICT', message: 'Gave up' });
  }),
  /** One event, then a plain Error (an internal error to the client). */
  crashesAfterOne: t.procedure.subscription(async function* () {
    yield { n: 1 };
    throw new Error('exploded');
  }),
  /** Refused before it starts. */
  refusesToStart: t.procedure.subscription(() => {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Not for you' });
  }),
  notAStream: t.procedure.subscription(() => ({ not: 'a stream' }) as unknown as AsyncIterable<never>),
  /** Yields a value that cannot be serialized (reading it throws). */
  unserializable: t.procedure.subscription(async function* () {
    yield {
      get boom(): string {
        throw new Error('cannot be read');
      },
    };
  }),
  /** One event, then nothing until stopped. */
  forever: t.procedure.subscription(async function* ({ signal }) {
    yield { n: 1 };
    await untilAborted(signal);
  }),
});

export type ProtocolRouter = typeof protocolRouter;
