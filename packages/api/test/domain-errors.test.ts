import { testBackends } from '@goated/testing/db';
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FieldError, InvalidInputError, notFound } from '../src/errors';
import { SharedStream, type StreamSink, subscribeDirect } from '../src/live/shared-stream';
import { retryTransientRead } from '../src/retry';
import { createContext } from '../src/server';
import { tooManyRequests } from '../src/services/rate-limit';
import { createTRPCRouter, publicProcedure } from '../src/trpc';
import { createTestApi, type TestApi } from './fixtures';

const failingStream = () =>
  new SharedStream<number>({
    load: () => Promise.reject(notFound('Race')),
    watch: () => () => {},
  });

const router = createTRPCRouter({
  missing: publicProcedure.query(() => {
    throw notFound('Race');
  }),
  taken: publicProcedure.mutation(() => {
    throw new FieldError(['username'], 'is already taken', 'CONFLICT');
  }),
  badDates: publicProcedure.mutation(() => {
    throw new InvalidInputError([{ path: ['endsAt'], message: 'must be after the start' }]);
  }),
  limited: publicProcedure.query(() => {
    throw tooManyRequests('query', 2500);
  }),
  asIs: publicProcedure.query(() => {
    throw new TRPCError({ code: 'CONFLICT', message: 'Thrown as a tRPC error' });
  }),
  bug: publicProcedure.query(() => {
    throw new Error('a bug');
  }),
  stream: publicProcedure.subscription(async function* () {
    yield 1;
    throw notFound('Race');
  }),
  shared: publicProcedure.subscription(({ signal }) => failingStream().subscribe(signal)),
});

/** What a client receives for a call of `path`: the HTTP status and the error as the wire carries it. */
async function wireError(t: TestApi, path: string, method: 'GET' | 'POST' = 'GET') {
  const response = await fetchRequestHandler({
    endpoint: '/trpc',
    req: new Request(`http://test/trpc/${path}`, {
      method,
      ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
    }),
    router,
    createContext: () => createContext(t.deps, { requestId: 'test' }),
  });
  // An error holds no dates: superjson's envelope is `{ json }` with the plain value inside.
  const { error } = z.object({ error: z.object({ json: z.unknown() }) }).parse(await response.json());
  return { status: response.status, body: error.json };
}

describe('domain errors, mapped once for every procedure', () => {
  let t: TestApi;
  const caller = () => router.createCaller(createContext(t.deps, { requestId: 'test' }));
  beforeAll(async () => {
    t = await createTestApi(testBackends().at(-1) ?? 'pglite');
  });
  afterAll(() => t.close());

  it('reach clients with their code, message and HTTP status', async () => {
    const missing = await wireError(t, 'missing');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ message: 'Race not found', data: { code: 'NOT_FOUND', zodIssues: null } });
    const bug = await wireError(t, 'bug');
    expect(bug.status).toBe(500);
    expect(bug.body).toMatchObject({ message: 'Internal server error', data: { code: 'INTERNAL_SERVER_ERROR' } });
    const asIs = await wireError(t, 'asIs');
    expect(asIs.body).toMatchObject({ message: 'Thrown as a tRPC error', data: { code: 'CONFLICT' } });
  });

  it('name the field, or the fields, as zod issues do', async () => {
    const taken = await wireError(t, 'taken', 'POST');
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({
      message: 'Username is already taken.',
      data: { code: 'CONFLICT', zodIssues: [{ path: ['username'], message: 'Username is already taken' }] },
    });
    const dates = await wireError(t, 'badDates', 'POST');
    expect(dates.status).toBe(400);
    expect(dates.body).toMatchObject({
      message: 'The end must be after the start.',
      data: { code: 'BAD_REQUEST', zodIssues: [{ path: ['endsAt'], message: 'The end must be after the start' }] },
    });
  });

  it('keep the retry hint of a rate limit', async () => {
    const limited = await wireError(t, 'limited');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      message: 'Too many requests; retry in 3 s',
      data: { code: 'TOO_MANY_REQUESTS', retryAfterSeconds: 3 },
    });
  });

  it('end a subscription with the tRPC error, iterated or pushed', async () => {
    const events = await caller().stream();
    const seen: unknown[] = [];
    const ended = await (async () => {
      for await (const event of events) seen.push(event);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1]);
    expect(ended).toBeInstanceOf(TRPCError);
    expect(ended).toMatchObject({ code: 'NOT_FOUND', message: 'Race not found' });

    const shared = await caller().shared();
    const pushed = await new Promise<unknown>((resolve) => {
      const sink: StreamSink<unknown> = { next: () => {}, error: resolve };
      Reflect.get(shared, subscribeDirect).call(shared, sink);
    });
    expect(pushed).toBeInstanceOf(TRPCError);
    expect(pushed).toMatchObject({ code: 'NOT_FOUND', message: 'Race not found' });
  });
});

describe('the read retry shared by the router and the transport', () => {
  const blip = () => Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });

  it('rides out a blip, then answers', async () => {
    let calls = 0;
    const value = await retryTransientRead(async () => {
      calls++;
      if (calls < 3) throw blip();
      return 'read';
    });
    expect(value).toBe('read');
    expect(calls).toBe(3);
  });

  it('gives up after three retries with SERVICE_UNAVAILABLE, and never retries other failures', async () => {
    let calls = 0;
    const down = await retryTransientRead(async () => {
      calls++;
      throw blip();
    }).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(down).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; retry shortly' });
    let once = 0;
    const refused = await retryTransientRead(async () => {
      once++;
      throw notFound('Race');
    }).catch((e: unknown) => e);
    expect(once).toBe(1);
    expect(refused).toMatchObject({ code: 'NOT_FOUND' });
  });
});
