import { runSync } from '@goated/api/server';
import { waitFor } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const feed = (count: number) => ({
  name: 'ops-feed',
  fetchRecords: async () =>
    Array.from({ length: count }, (_, i) => ({
      uid: `ops${i}`,
      name: `Operations Player ${i}`,
      wagered: { today: i, this_week: i, this_month: i + 1, all_time: i + 1 },
      updated_at: '2026-01-01T00:00:00Z',
    })),
});

describe('operations: logs, metrics, HTTP hygiene', () => {
  let t: TestServer;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await startTestServer(
      'pglite',
      {
        LOG_LEVEL: 'debug',
        ALLOWED_ORIGINS: 'https://dashboard.example',
        LOG_SUMMARY_INTERVAL_MS: '300',
        // A sign-in hashes a password: beside the whole suite on 2 cores it can pass the default
        // 1 s and be logged as slow (info), which is right, but not what this file checks.
        SLOW_REQUEST_MS: '60000',
      },
      { logStream: { write: (line) => void lines.push(line) } },
    );
    await runSync(t.server.deps, feed(300));
  });
  afterAll(() => t?.close());

  const logs = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  it('logs each procedure with request id, user, duration and outcome, and never a secret', async () => {
    const session = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
    await fetch(`${t.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${session.token}` } });
    await t.client.api.leaderboard.top.query({ period: 'month', limit: 0 }).catch(() => {});
    const procedureLines = logs().filter((l) => l.msg === 'procedure');
    expect(procedureLines).toContainEqual(
      expect.objectContaining({ procedure: 'auth.signIn', type: 'mutation', outcome: 'ok', reqId: expect.any(String) }),
    );
    expect(procedureLines).toContainEqual(
      expect.objectContaining({ procedure: 'auth.me', userId: session.user.id, outcome: 'ok' }),
    );
    expect(procedureLines).toContainEqual(
      expect.objectContaining({ procedure: 'leaderboard.top', outcome: 'BAD_REQUEST' }),
    );
    expect(procedureLines.every((l) => typeof l.durationMs === 'number')).toBe(true);
    // At the default level (info) only failed or slow calls show: successes are debug lines.
    const DEBUG = 20;
    const INFO = 30;
    expect(procedureLines.find((l) => l.procedure === 'auth.signIn')?.level).toBe(DEBUG);
    expect(procedureLines.find((l) => l.outcome === 'BAD_REQUEST')?.level).toBe(INFO);
    const requestLines = logs().filter((l) => l.msg === 'request');
    expect(requestLines.find((l) => l.status === 200)?.level).toBe(DEBUG);
    expect(requestLines.find((l) => l.status === 400)?.level).toBe(INFO);
    const all = lines.join('\n');
    expect(all).not.toContain(TEST_ADMIN.password);
    expect(all).not.toContain(session.token ?? 'no token');
  });

  it('writes a summary line on a timer: connections, subscriptions, streams, messages, the last sync', async () => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/trpc`);
    await new Promise((resolve) => ws.once('open', resolve));
    const before = lines.length;
    await waitFor(
      () =>
        logs()
          .slice(before)
          .some((l) => typeof l.msg === 'string' && l.msg.includes('connections (peak')),
      { label: 'a summary line' },
    );
    const line = logs()
      .slice(before)
      .find((l) => typeof l.msg === 'string' && l.msg.includes('connections (peak'));
    expect(line?.level).toBe(30);
    expect(line?.msg).toMatch(
      /^1 connections \(peak 1\), 0 subscriptions, 0 SSE streams, \d+ in \/ \d+ out; last sync #\d+ succeeded in \d+ ms$/,
    );
    expect(line?.summary).toMatchObject({ connections: { active: 1, peak: 1 }, lastSync: { status: 'succeeded' } });
    ws.close();
  });

  it('logs a failed query without its parameters, causes included', async () => {
    const failed = new Error('Failed query: select * from sessions where id = $1\nparams: 5e55109d-secret-session-id', {
      cause: new Error('Failed query: insert into codes values ($1)\nparams: LINKCODE1'),
    });
    t.server.app.log.error({ err: failed }, 'procedure failed');
    const line = lines.find((l) => l.includes('select * from sessions'));
    expect(line).toBeDefined();
    expect(line).not.toContain('secret-session-id');
    expect(line).not.toContain('LINKCODE1');
    const logged = JSON.parse(line ?? '{}') as { err: { message: string; stack: string; cause: { message: string } } };
    expect(logged.err.message).toBe('Failed query: select * from sessions where id = $1\nparams: [redacted]');
    expect(logged.err.stack).toContain('params: [redacted]');
    expect(logged.err.cause.message).toBe('Failed query: insert into codes values ($1)\nparams: [redacted]');
  });

  it('exposes Prometheus metrics for HTTP and procedures', async () => {
    const res = await fetch(`${t.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/goated_http_request_duration_seconds_bucket\{.*route="\/trpc\/:path"/);
    expect(text).toMatch(
      /goated_trpc_procedure_duration_seconds_count\{procedure="auth.signIn",type="mutation",outcome="ok"\} \d+/,
    );
    expect(text).toMatch(/goated_trpc_errors_total\{procedure="leaderboard.top",code="BAD_REQUEST"\} \d+/);
    expect(text).toMatch(/goated_process_resident_memory_bytes/);
  });

  it('sends security headers', async () => {
    const res = await fetch(`${t.url}/health`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('answers CORS only for configured origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.url}/trpc/auth.signIn`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight('https://dashboard.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dashboard.example');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('compresses large responses', async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { period: 'month', limit: 100 } }));
    const res = await fetch(`${t.url}/trpc/leaderboard.top?input=${input}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    // fetch decompresses transparently; the body is still the JSON.
    expect(await res.text()).toContain('Operations Player');
  });

  it('refuses an oversized request body', async () => {
    const res = await fetch(`${t.url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { username: 'x'.repeat(2 * 1024 * 1024), password: 'y' } }),
    });
    expect(res.status).toBe(413);
  });
});

describe.each([
  ['behind a trusted proxy (TRUST_PROXY=127.0.0.1)', '127.0.0.1', true],
  ['without TRUST_PROXY', 'false', false],
] as const)('client addresses for rate limits %s', (_label, trustProxy, trusted) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('pglite', {
      TRUST_PROXY: trustProxy,
      RATE_LIMIT_AUTH_PER_MIN: '2',
      RATE_LIMIT_QUERIES_PER_MIN: '2',
    });
  });
  afterAll(() => t?.close());

  const signIn = (forwardedFor: string, n: number) =>
    fetch(`${t.url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ json: { username: `nobody${n}`, password: 'wrong password here' } }),
    }).then((r) => r.status);

  /** Starts subscriptions over a WebSocket whose upgrade carried `forwardedFor`; the answers' codes. */
  async function subscribeOverWs(forwardedFor: string, count: number): Promise<string[]> {
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/trpc`, {
      headers: { 'x-forwarded-for': forwardedFor },
    });
    const answers: string[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        result?: { type: string };
        error?: { json: { data: { code: string } } };
      };
      if (message.result?.type === 'started') answers.push('started');
      if (message.error) answers.push(message.error.json.data.code);
    });
    await new Promise((resolve) => socket.once('open', resolve));
    for (let id = 1; id <= count; id++) {
      socket.send(
        JSON.stringify({
          id,
          method: 'subscription',
          params: { path: 'leaderboard.onUpdate', input: { json: { period: 'month' } } },
        }),
      );
    }
    await waitFor(() => answers.length >= count, { label: 'an answer to each subscription' });
    socket.close();
    return answers.sort(); // calls are answered in no particular order
  }

  it(
    trusted
      ? 'counts each forwarded client address on its own, over HTTP and WebSocket'
      : 'ignores X-Forwarded-For: spoofing it does not dodge the limit',
    async () => {
      expect(await signIn('203.0.113.1', 1)).toBe(401);
      expect(await signIn('203.0.113.1', 2)).toBe(401);
      // A third attempt from the first address is over its limit; another address is not, if trusted.
      expect(await signIn('203.0.113.1', 3)).toBe(429);
      expect(await signIn('203.0.113.2', 4)).toBe(trusted ? 401 : 429);

      expect(await subscribeOverWs('198.51.100.1', 3)).toEqual(['TOO_MANY_REQUESTS', 'started', 'started']);
      expect(await subscribeOverWs('198.51.100.2', 1)).toEqual([trusted ? 'started' : 'TOO_MANY_REQUESTS']);
    },
  );
});

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(testBackends())('metrics of the realtime transport, sync, caches and database pool on %s', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  }, 60_000);
  afterAll(() => t?.close());

  it('counts WebSocket connections and messages, sync runs by outcome, cache hits and pool connections', async () => {
    await runSync(t.server.deps, feed(20));
    await runSync(t.server.deps, {
      name: 'broken-feed',
      fetchRecords: async () => {
        throw new Error('upstream exploded');
      },
    });
    // The same hot query twice: the second is answered from the URL memo.
    const input = encodeURIComponent(JSON.stringify({ json: { period: 'month', limit: 5 } }));
    for (let i = 0; i < 2; i++) expect((await fetch(`${t.url}/trpc/leaderboard.top?input=${input}`)).status).toBe(200);

    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/trpc`);
    const frames: string[] = [];
    socket.on('message', (data) => frames.push(String(data)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(
      JSON.stringify({
        id: 1,
        method: 'subscription',
        params: { path: 'leaderboard.onUpdate', input: { json: { period: 'month', limit: 3 } } },
      }),
    );
    await waitFor(() => frames.some((f) => f.includes('"data"')), { label: 'the first snapshot' });

    const text = await (await fetch(`${t.url}/metrics`)).text();
    try {
      expect(metric(text, 'goated_ws_connections')).toBe(1);
      expect(metric(text, 'goated_ws_connections_total')).toBe(1);
      expect(metric(text, 'goated_ws_subscriptions')).toBe(1);
      expect(metric(text, 'goated_ws_messages_total{direction="in"}')).toBe(1);
      expect(metric(text, 'goated_ws_messages_total{direction="out"}')).toBeGreaterThanOrEqual(2); // started + data
      expect(metric(text, 'goated_sync_run_duration_seconds_count{trigger="schedule",outcome="succeeded"}')).toBe(1);
      expect(metric(text, 'goated_sync_run_duration_seconds_count{trigger="schedule",outcome="failed"}')).toBe(1);
      expect(metric(text, 'goated_sync_records_total{kind="out"}')).toBe(20);
      expect(metric(text, 'goated_sync_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
      expect(metric(text, 'goated_cache_lookups_total{cache="url_memo",result="hit"}')).toBe(1);
      expect(metric(text, 'goated_cache_lookups_total{cache="leaderboard_top",result="miss"}')).toBeGreaterThanOrEqual(
        1,
      );
      const ratio = metric(text, 'goated_cache_hit_ratio{cache="all"}');
      expect(ratio).toBeGreaterThan(0);
      expect(ratio).toBeLessThan(1);
      if (kind === 'postgres') {
        expect(metric(text, 'goated_db_pool_max')).toBe(5); // the test database's pool
        // At least the scrape's own query; never more than the pool holds.
        const active = metric(text, 'goated_db_pool_connections{state="active"}') ?? 0;
        expect(active).toBeGreaterThanOrEqual(1);
        expect(active).toBeLessThanOrEqual(5);
      } else {
        expect(metric(text, 'goated_db_pool_max')).toBe(1);
      }
    } finally {
      socket.close();
    }
    await waitFor(() => t.server.deps.realtime?.snapshot().connections.active === 0, { label: 'the close' });
    expect(metric(await (await fetch(`${t.url}/metrics`)).text(), 'goated_ws_connections')).toBe(0);
  });
});

describe('graceful shutdown', () => {
  it('closes open WebSockets with 1001 so clients reconnect elsewhere', async () => {
    const t = await startTestServer('pglite');
    const sockets = Array.from({ length: 5 }, () => new WebSocket(`${t.url.replace('http', 'ws')}/trpc`));
    await Promise.all(sockets.map((s) => new Promise((resolve) => s.once('open', resolve))));
    const codes = sockets.map((s) => new Promise<number>((resolve) => s.once('close', (code) => resolve(code))));
    await t.close();
    expect(await Promise.all(codes)).toEqual([1001, 1001, 1001, 1001, 1001]);
  });

  it('cuts open Server-Sent-Events streams instead of waiting for them', async () => {
    const t = await startTestServer('pglite');
    const input = encodeURIComponent(JSON.stringify({ json: { period: 'month' } }));
    const streams = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const res = await fetch(`${t.url}/trpc/leaderboard.onUpdate?input=${input}`, {
          headers: { accept: 'text/event-stream' },
        });
        expect(res.headers.get('content-type')).toContain('text/event-stream');
        const reader = res.body?.getReader();
        if (!reader) throw new Error('no body');
        await reader.read(); // the stream is open and flowing
        return reader;
      }),
    );
    const ended = streams.map(async (reader) => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return 'ended';
    });
    const started = Date.now();
    await t.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await Promise.all(ended)).toEqual(['ended', 'ended', 'ended']);
  });
});
