/**
 * Hostile input through the real transports: random and adversarial inputs at every public and
 * signed-in procedure must never produce a 500, crash the process or hang it.
 */
import { appRouter } from '@goated/api';
import { waitFor } from '@goated/testing';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

type ProcedureType = 'query' | 'mutation' | 'subscription';

function procedureList(): { path: string; type: ProcedureType }[] {
  const list: { path: string; type: ProcedureType }[] = [];
  for (const [path, procedure] of Object.entries(appRouter._def.procedures)) {
    const def: unknown = '_def' in procedure ? procedure._def : null;
    const type = def && typeof def === 'object' && 'type' in def ? def.type : null;
    if (type === 'query' || type === 'mutation' || type === 'subscription') list.push({ path, type });
  }
  return list;
}

// Ending our own session mid-test would only make later calls anonymous; keep it signed in.
const SKIP = new Set(['auth.signOut']);

/** JSON values plus the shapes that break naive code: huge numbers, deep nesting, odd strings. */
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({
    period: fc.oneof(fc.constantFrom('today', 'week', 'month', 'all', '__proto__', ''), fc.string()),
    limit: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2)),
    cursor: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
    uid: fc.string({ unit: 'binary', maxLength: 200 }),
    raceId: fc.oneof(fc.integer(), fc.string()),
    username: fc.string({ unit: 'grapheme', maxLength: 80 }),
    password: fc.string({ maxLength: 300 }),
    code: fc.string({ unit: 'binary', maxLength: 100 }),
  }),
  fc.constantFrom('x'.repeat(10_000), { constructor: { prototype: { polluted: true } } }, [[[[[[[[]]]]]]]]),
);

async function callHttp(url: string, path: string, type: ProcedureType, input: unknown, token: string) {
  const envelope = JSON.stringify({ json: input });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res =
    type === 'mutation'
      ? await fetch(`${url}/trpc/${path}`, { method: 'POST', headers, body: envelope })
      : await fetch(`${url}/trpc/${path}?input=${encodeURIComponent(envelope)}`, {
          headers,
          // A subscription over HTTP would stream; a valid one is aborted quickly.
          signal: AbortSignal.timeout(3000),
        }).catch((err: unknown) => {
          if (err instanceof Error && err.name === 'TimeoutError') return null;
          throw err;
        });
  if (!res) return 200;
  if (type !== 'subscription') await res.text();
  else await res.body?.cancel();
  return res.status;
}

/** What came back for one call over the WebSocket: its first answer, or nothing in time. */
type WsAnswer =
  | { kind: 'result'; type: string }
  | { kind: 'error'; httpStatus: number; code: string }
  | { kind: 'none' };

/**
 * One connection signed in through connectionParams (as the dashboard and the bot connect),
 * sending one call at a time and reading its first answer.
 */
async function openWsCaller(url: string, token: string) {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/trpc?connectionParams=1`);
  socket.on('error', () => {});
  const waiting = new Map<number, (answer: WsAnswer) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as {
      id: number | null;
      result?: { type: string };
      error?: { json?: { data?: { httpStatus?: number; code?: string } } };
    };
    if (message.id === null) return;
    const resolve = waiting.get(message.id);
    if (!resolve) return;
    waiting.delete(message.id);
    const error = message.error?.json?.data;
    resolve(
      message.result
        ? { kind: 'result', type: message.result.type }
        : { kind: 'error', httpStatus: error?.httpStatus ?? 0, code: error?.code ?? 'unknown' },
    );
  });
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
  let nextId = 0;
  return {
    socket,
    async call(path: string, type: ProcedureType, input: unknown): Promise<WsAnswer> {
      const id = ++nextId;
      const answer = new Promise<WsAnswer>((resolve) => {
        waiting.set(id, resolve);
        setTimeout(() => {
          if (waiting.delete(id)) resolve({ kind: 'none' });
        }, 5000);
      });
      socket.send(JSON.stringify({ id, method: type, params: { path, input: { json: input } } }));
      const first = await answer;
      // A started subscription is stopped again: the connection's subscription limit stays free.
      if (type === 'subscription') socket.send(JSON.stringify({ id, method: 'subscription.stop' }));
      return first;
    },
  };
}

describe('hostile input', () => {
  let t: TestServer;
  let userToken = '';
  let adminToken = '';

  beforeAll(async () => {
    t = await startTestServer('pglite', {
      RATE_LIMIT_AUTH_PER_MIN: '100000',
      RATE_LIMIT_MUTATIONS_PER_MIN: '100000',
      RATE_LIMIT_QUERIES_PER_MIN: '100000',
      WS_MAX_MESSAGES_PER_SECOND: '100000',
      WS_MESSAGE_BURST: '100000',
    });
    await t.client.api.auth.signUp.mutate({ username: 'fuzzer', password: 'fuzzing all day long', mode: 'token' });
    const session = await t.client.api.auth.signIn.mutate({
      username: 'fuzzer',
      password: 'fuzzing all day long',
      mode: 'token',
    });
    userToken = session.token ?? '';
    // Admin procedures are signed-in procedures too: past the role wall, their inputs are fuzzed.
    const admin = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    adminToken = admin.token ?? '';
  });
  afterAll(() => t?.close());

  const procedures = () => {
    const list = procedureList().filter((p) => !SKIP.has(p.path));
    expect(list.length).toBeGreaterThan(20);
    return list;
  };
  const role = fc.constantFrom('anonymous', 'user', 'admin');
  const tokenOf = (who: string) => (who === 'admin' ? adminToken : who === 'user' ? userToken : '');

  it('answers random inputs to every procedure over HTTP, as anyone, without a 500', async () => {
    const all = procedures();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...all), hostileValue, role, async (procedure, input, who) => {
        const status = await callHttp(t.url, procedure.path, procedure.type, input, tokenOf(who));
        expect(status, `${who} ${procedure.path} ${JSON.stringify(input).slice(0, 200)}`).toBeLessThan(500);
      }),
      // Every procedure at least a few times: the sample is drawn per run, not per procedure.
      { numRuns: Math.max(300, all.length * 6), interruptAfterTimeLimit: 60_000 },
    );
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
  }, 90_000);

  it('answers random inputs to every procedure over WebSocket, as anyone, without a 500 or a hang', async () => {
    const all = procedures();
    const callers = {
      anonymous: await openWsCaller(t.url, ''),
      user: await openWsCaller(t.url, userToken),
      admin: await openWsCaller(t.url, adminToken),
    };
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...all), hostileValue, role, async (procedure, input, who) => {
          const caller = who === 'admin' ? callers.admin : who === 'user' ? callers.user : callers.anonymous;
          const answer = await caller.call(procedure.path, procedure.type, input);
          const what = `${who} ${procedure.path} ${JSON.stringify(input).slice(0, 200)}`;
          expect(answer.kind, `no answer in 5 s: ${what}`).not.toBe('none');
          if (answer.kind === 'error') {
            expect(answer.code, what).not.toBe('INTERNAL_SERVER_ERROR');
            expect(answer.httpStatus, what).toBeLessThan(500);
          }
        }),
        { numRuns: Math.max(300, all.length * 6), interruptAfterTimeLimit: 60_000 },
      );
      // Hostile calls closed no connection: each is still open and answering.
      for (const caller of Object.values(callers)) expect(caller.socket.readyState).toBe(WebSocket.OPEN);
      expect(await callers.user.call('auth.me', 'query', undefined)).toEqual({ kind: 'result', type: 'data' });
    } finally {
      for (const caller of Object.values(callers)) caller.socket.close();
    }
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
  }, 90_000);

  it('answers malformed tRPC envelopes with errors, not crashes', async () => {
    const cases: [string, RequestInit][] = [
      ['/trpc/leaderboard.top?input=%7Bnot-json', {}],
      ['/trpc/leaderboard.top?batch=1&input=%5B1%2C2%5D', {}],
      ['/trpc/leaderboard.top,players.get?batch=1&input=%7B%7D', {}],
      ['/trpc/no.such.procedure', {}],
      ['/trpc/auth.signIn', { method: 'GET' }],
      ['/trpc/leaderboard.top', { method: 'POST', body: '{"json":', headers: { 'content-type': 'application/json' } }],
      ['/trpc/auth.signIn', { method: 'POST', body: 'garbage', headers: { 'content-type': 'text/plain' } }],
      [
        '/trpc/auth.signIn',
        {
          method: 'POST',
          body: '{"json":{"username":"a","password":"b"},"meta":{"values":{"username":["Date"]}}}',
          headers: { 'content-type': 'application/json' },
        },
      ],
    ];
    for (const [path, init] of cases) {
      const res = await fetch(`${t.url}${path}`, init);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
  });

  it('answers malformed tRPC messages over WebSocket with errors, and keeps the connection', async () => {
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/trpc`);
    socket.on('error', () => {});
    const answers: { id: unknown; error?: { json?: { data?: { code?: string; httpStatus?: number } } } }[] = [];
    socket.on('message', (data) => answers.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    const malformed = [
      '{not json',
      '[1,2,3]',
      JSON.stringify({ id: 1, method: 'query' }),
      JSON.stringify({ id: 2, method: 'teleport', params: { path: 'auth.me' } }),
      JSON.stringify({ id: 3, method: 'query', params: { path: 42 } }),
      JSON.stringify({ id: null, method: 'query', params: { path: 'auth.me', input: { json: null } } }),
      JSON.stringify({ id: 4, method: 'query', params: { path: 'no.such.procedure', input: { json: null } } }),
      JSON.stringify({ id: 5, method: 'mutation', params: { path: 'auth.signIn', input: { json: 'not an object' } } }),
    ];
    for (const frame of malformed) socket.send(frame);
    await waitFor(() => answers.length >= malformed.length, { label: 'an answer to each malformed message' });
    for (const answer of answers) {
      expect(answer.error?.json?.data?.httpStatus, JSON.stringify(answer)).toBeGreaterThanOrEqual(400);
      expect(answer.error?.json?.data?.httpStatus, JSON.stringify(answer)).toBeLessThan(500);
    }
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it('survives garbage WebSocket frames and refuses oversized ones', async () => {
    const wsUrl = `${t.url.replace('http', 'ws')}/trpc`;
    const frames = fc.sample(
      fc.oneof(
        fc.string(),
        fc.jsonValue().map((v) => JSON.stringify(v)),
      ),
      200,
    );
    const socket = new WebSocket(wsUrl);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.on('error', () => {});
    // Frames are handled in order: the answer to the last one (a bad subscription) comes after all.
    const answeredLast = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        const text = String(data);
        if (text.includes('"id":1,') && text.includes('"error"')) resolve();
      }),
    );
    for (const frame of frames) socket.send(frame);
    socket.send(
      JSON.stringify({
        id: 1,
        method: 'subscription',
        params: { path: 'leaderboard.onUpdate', input: { json: { period: 'nope' } } },
      }),
    );
    await answeredLast;
    socket.close();

    const big = new WebSocket(wsUrl);
    await new Promise((resolve) => big.once('open', resolve));
    big.on('error', () => {});
    const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)));
    big.send('x'.repeat(256 * 1024));
    expect(await closed).toBe(1009); // "message too big"

    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
    const page = await t.client.api.leaderboard.top.query({ period: 'all' });
    expect(page.period).toBe('all');
  });
});
