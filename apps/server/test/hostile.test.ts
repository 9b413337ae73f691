/**
 * Hostile input through the real transports: random and adversarial inputs at every public and
 * signed-in procedure must never produce a 500, crash the process or hang it.
 */
import { appRouter } from '@goated/api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from './harness';

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
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
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

describe('hostile input', () => {
  let t: TestServer;
  let token = '';

  beforeAll(async () => {
    t = await startTestServer('pglite', {
      RATE_LIMIT_AUTH_PER_MIN: '100000',
      RATE_LIMIT_MUTATIONS_PER_MIN: '100000',
      RATE_LIMIT_QUERIES_PER_MIN: '100000',
    });
    await t.client.api.auth.signUp.mutate({ username: 'fuzzer', password: 'fuzzing all day long', mode: 'token' });
    const session = await t.client.api.auth.signIn.mutate({
      username: 'fuzzer',
      password: 'fuzzing all day long',
      mode: 'token',
    });
    token = session.token ?? '';
  });
  afterAll(() => t?.close());

  it('answers random inputs to every procedure over HTTP without a 500', async () => {
    const procedures = procedureList().filter((p) => !SKIP.has(p.path));
    expect(procedures.length).toBeGreaterThan(20);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...procedures), hostileValue, async (procedure, input) => {
        const status = await callHttp(t.url, procedure.path, procedure.type, input, token);
        expect(status, `${procedure.path} ${JSON.stringify(input).slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 300, interruptAfterTimeLimit: 60_000 },
    );
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
    for (const frame of frames) socket.send(frame);
    socket.send(
      JSON.stringify({
        id: 1,
        method: 'subscription',
        params: { path: 'leaderboard.onUpdate', input: { json: { period: 'nope' } } },
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
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
