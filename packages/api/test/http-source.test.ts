import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpUpstream } from '../src/services/sync/http-source';
import { type RetriedFailure, UpstreamError } from '../src/services/sync/source';
import { type FakeUpstream, startFakeUpstream, upstreamRecord } from './support/fake-upstream';

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
