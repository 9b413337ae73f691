import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeUpstream, startFakeUpstream, upstreamRecord } from '@goated/testing/upstream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpUpstream } from '../src/services/sync/http-source';
import { type RetriedFailure, UpstreamError } from '../src/services/sync/source';

const at = '2026-01-01T00:00:00Z';

describe('the HTTP upstream source', () => {
  let feed: FakeUpstream;
  beforeAll(async () => {
    feed = await startFakeUpstream();
  });
  afterAll(() => feed.close());
  beforeEach(() => {
    feed.requests.length = 0;
  });

  const source = (overrides: Partial<ConstructorParameters<typeof HttpUpstream>[0]> = {}) =>
    new HttpUpstream({
      url: feed.url,
      token: 'secret-token',
      timeoutMs: 5000,
      retries: 2,
      retryBaseMs: 5,
      ...overrides,
    });

  async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
    const err = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    if (!(err instanceof UpstreamError)) throw new Error(`expected an UpstreamError, got ${String(err)}`);
    return err;
  }

  it('reads a bare array of records and sends the bearer token', async () => {
    feed.reply({ json: [upstreamRecord('a', 1, at), upstreamRecord('b', 2, at)] });
    const records = await source().fetchRecords();
    expect(records).toHaveLength(2);
    expect(feed.requests[0]?.authorization).toBe('Bearer secret-token');
  });

  it('follows next_cursor page by page until it is null', async () => {
    feed.reply((req) => {
      const cursor = req.query.get('cursor');
      if (!cursor) return { json: { data: [upstreamRecord('a', 1, at)], next_cursor: 'p2' } };
      if (cursor === 'p2') return { json: { data: [upstreamRecord('b', 1, at)], next_cursor: 'p3' } };
      return { json: { data: [upstreamRecord('c', 1, at)], next_cursor: null } };
    });
    const records = await source().fetchRecords();
    expect(records.map((r) => (r as { uid: string }).uid)).toEqual(['a', 'b', 'c']);
    expect(feed.requests.map((r) => r.query.get('cursor'))).toEqual([null, 'p2', 'p3']);
  });

  it('retries a 5xx with back-off and reports each failed attempt', async () => {
    feed.reply({ status: 503, raw: 'maintenance' }, { status: 502, raw: '' }, { json: [upstreamRecord('a', 1, at)] });
    const retried: RetriedFailure[] = [];
    const records = await source().fetchRecords({ onRetry: (f) => retried.push(f) });
    expect(records).toHaveLength(1);
    expect(feed.requests).toHaveLength(3);
    expect(retried.map((f) => [f.attempt, f.error.detail.status])).toEqual([
      [1, 503],
      [2, 502],
    ]);
    expect(retried[0]?.error.message).toContain('maintenance');
    // Equal jitter: between half and all of base · 2^(attempt-1).
    expect(retried[1]?.delayMs).toBeGreaterThanOrEqual(5);
    expect(retried[1]?.delayMs).toBeLessThanOrEqual(10);
  });

  it('gives up after the configured retries with the last error', async () => {
    feed.reply({ status: 500, raw: 'boom' });
    const err = await failure(source({ retries: 1 }).fetchRecords());
    expect(err).toMatchObject({ kind: 'http', retryable: true, detail: { status: 500 } });
    expect(feed.requests).toHaveLength(2);
  });

  it('does not retry a 4xx', async () => {
    feed.reply({ status: 401, json: { error: 'bad token' } });
    const err = await failure(source().fetchRecords());
    expect(err).toMatchObject({ kind: 'http', retryable: false, detail: { status: 401 } });
    expect(err.message).toContain('bad token');
    expect(feed.requests).toHaveLength(1);
  });

  it('retries a 429 and honours Retry-After (capped)', async () => {
    feed.reply({ status: 429, raw: '', headers: { 'retry-after': '1' } }, { json: [] });
    const retried: RetriedFailure[] = [];
    await source({ retryMaxMs: 50 }).fetchRecords({ onRetry: (f) => retried.push(f) });
    expect(retried[0]?.delayMs).toBe(50);
  });

  it('times out a feed that never answers, and retries it', async () => {
    feed.reply({ hang: true });
    const started = Date.now();
    const retried: RetriedFailure[] = [];
    const err = await failure(source({ timeoutMs: 300, retries: 1 }).fetchRecords({ onRetry: (f) => retried.push(f) }));
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
    expect(err.message).toContain('300 ms');
    expect(retried).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('treats a dropped connection as retryable', async () => {
    feed.reply({ drop: true }, { json: [upstreamRecord('a', 1, at)] });
    const records = await source().fetchRecords();
    expect(records).toHaveLength(1);
    expect(feed.requests).toHaveLength(2);
  });

  it('fails at once on malformed JSON', async () => {
    feed.reply({ raw: '[{"uid": "a", "name": ' });
    const err = await failure(source().fetchRecords());
    expect(err).toMatchObject({ kind: 'malformed', retryable: false });
    expect(feed.requests).toHaveLength(1);
  });

  it('fails at once on JSON of the wrong shape', async () => {
    feed.reply({ json: { players: 'none today' } });
    const err = await failure(source().fetchRecords());
    expect(err).toMatchObject({ kind: 'schema', retryable: false });
    expect(feed.requests).toHaveLength(1);
  });

  it('refuses a feed whose cursor repeats', async () => {
    feed.reply({ json: { data: [], next_cursor: 'same' } });
    const err = await failure(source().fetchRecords());
    expect(err).toMatchObject({ kind: 'schema' });
    expect(feed.requests).toHaveLength(2);
  });

  it('stops when the caller aborts, without retrying', async () => {
    feed.reply({ hang: true });
    const controller = new AbortController();
    const pending = source({ timeoutMs: 10_000 }).fetchRecords({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(pending).rejects.toThrow('stop');
    expect(feed.requests).toHaveLength(1);
  });

  it('never puts the query string (where keys may live) into an error message', async () => {
    feed.reply({ status: 404, raw: '' });
    const err = await failure(source({ url: `${feed.url}?key=hunter2` }).fetchRecords());
    expect(err.message).not.toContain('hunter2');
  });
});

describe('the size cap on the feed (AFFILIATE_MAX_BYTES)', () => {
  const MAX_BYTES = 256 * 1024;
  let server: Server;
  let url: string;
  /** Bytes the endless feed managed to send before the reader hung up, per request. */
  const sent: Promise<number>[] = [];

  beforeAll(async () => {
    // An endless body without Content-Length (chunked), 64 KiB at a time, for as long as the
    // reader keeps reading — bounded at 64 MiB so a broken cap cannot run forever.
    server = createHttpServer((req, res) => {
      if (req.url?.startsWith('/declared')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_BYTES * 4) });
        res.end('['.padEnd(MAX_BYTES * 4, ' '));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, ' ');
      let bytes = 0;
      sent.push(
        new Promise((resolve) => {
          res.on('close', () => resolve(bytes));
          const pump = () => {
            while (!res.destroyed && bytes < 64 * 1024 * 1024) {
              bytes += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          res.write('[');
          pump();
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('abandons a streamed body as soon as it passes the cap, with a clear, final error', async () => {
    const source = new HttpUpstream({ url: `${url}/endless`, maxBytes: MAX_BYTES, retries: 2, retryBaseMs: 5 });
    const err = await source.fetchRecords().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'too_large', retryable: false });
    expect((err as UpstreamError).message).toBe(
      `${url}/endless (page 1) sent more than ${MAX_BYTES} bytes (AFFILIATE_MAX_BYTES); the response was abandoned`,
    );
    // Not retried, and the connection was cut near the cap, not after the whole body.
    expect(sent).toHaveLength(1);
    expect(await sent[0]).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the cap without reading it', async () => {
    const source = new HttpUpstream({ url: `${url}/declared`, maxBytes: MAX_BYTES, retries: 0 });
    await expect(source.fetchRecords()).rejects.toMatchObject({ kind: 'too_large' });
  });

  it('reads a body under the cap as before', async () => {
    const feed = await startFakeUpstream();
    try {
      feed.reply({ json: [upstreamRecord('a', 1, at)] });
      expect(await new HttpUpstream({ url: feed.url, maxBytes: 1024 }).fetchRecords()).toHaveLength(1);
    } finally {
      await feed.close();
    }
  });
});
