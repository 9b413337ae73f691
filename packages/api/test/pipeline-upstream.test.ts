/**
 * The sync pipeline against a local fake of the affiliate's feed: every fault the upstream can
 * throw at it (5xx, timeouts, malformed or wrongly shaped answers, bad records).
 */
import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { upstreamRecord } from '@goated/testing/upstream';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { fixed, pipelineSuite, T1, T2 } from './support/pipeline-suite';

const { syncRuns } = schema;

describe.each(testBackends())('sync pipeline on %s: upstream faults', (kind) => {
  const t = pipelineSuite(kind);
  const { http, pipeline, logs, totals, requests } = t;

  it('retries an upstream 5xx, logs each failed attempt as a warning, then applies the feed', async () => {
    t.feed.reply({ status: 503, raw: 'down for maintenance' }, { json: [upstreamRecord('a', '10.50', T1)] });
    const result = await pipeline(http()).runOnce();
    expect(result).toMatchObject({ status: 'succeeded', recordsIn: 1, recordsOut: 1, changedPlayers: 1 });
    expect(await totals()).toEqual({ a: '10.50' });
    const entries = await logs();
    expect(entries.map((e) => e.type)).toEqual(['warning', 'info']);
    expect(entries[0]?.message).toMatch(/attempt 1 of 3 failed: .*HTTP 503: down for maintenance; retrying/);
    expect(entries[0]?.runId).toBe(result.runId);
  });

  it('fails a run whose feed times out on every attempt, keeps the data, and runs again later', async () => {
    await pipeline(fixed([upstreamRecord('a', 5, T1)])).runOnce();
    t.feed.reply({ hang: true });
    const service = pipeline(http(500));
    const failed = await service.runOnce();
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed.error).toMatch(/did not answer within 500 ms/);
    expect(await totals()).toEqual({ a: '5.00' });
    const types = (await logs()).map((e) => e.type);
    expect(types).toEqual(['info', 'warning', 'warning', 'error']);
    const [run] = await t.handle.db.select().from(syncRuns).where(eq(syncRuns.id, failed.runId));
    expect(run).toMatchObject({ status: 'failed', error: failed.error });

    t.feed.reply({ json: [upstreamRecord('a', 6, T2)] });
    expect(await service.runOnce()).toMatchObject({ status: 'succeeded', changedPlayers: 1 });
  });

  it('fails at once, without retrying, on malformed JSON', async () => {
    t.feed.reply({ raw: '[{"uid": "a", "name": "Lucky", "wagered": {' });
    const result = await pipeline(http()).runOnce();
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/malformed JSON/);
    expect(requests()).toHaveLength(1);
    const entries = await logs();
    expect(entries.map((e) => e.type)).toEqual(['error']);
    expect(entries[0]?.details).toMatchObject({ kind: 'malformed', retryable: false });
  });

  it('fails at once on a response of the wrong shape', async () => {
    t.feed.reply({ json: { players: 12 } });
    const result = await pipeline(http()).runOnce();
    expect(result.error).toMatch(/wrong shape/);
    expect(requests()).toHaveLength(1);
    expect((await logs()).map((e) => e.type)).toEqual(['error']);
  });

  it('applies nothing and logs an error when every record has the wrong schema', async () => {
    t.feed.reply({
      json: [
        { id: 1, user: 'x', wager: 5 },
        { id: 2, user: 'y', wager: 7 },
      ],
    });
    const result = await pipeline(http()).runOnce();
    expect(result).toMatchObject({ status: 'failed', recordsIn: 2, recordsSkipped: 2 });
    expect(result.error).toMatch(/all 2 records were invalid .*has the upstream format changed/);
    expect(await totals()).toEqual({});
    const [entry] = await logs();
    expect(entry).toMatchObject({ type: 'error', recordsIn: 2, recordsSkipped: 2 });
  });

  it('applies the good records of a partly bad batch and logs each bad one with its reason', async () => {
    t.feed.reply({
      json: [
        upstreamRecord('good1', '1.005', T1),
        { uid: 'neg', name: 'Negative', wagered: { today: -1, this_week: 0, this_month: 0, all_time: 0 } },
        upstreamRecord('good2', 2, T1),
        {
          uid: 'nodate',
          name: 'x',
          wagered: { today: 1, this_week: 1, this_month: 1, all_time: 1 },
          updated_at: 'soon',
        },
        'not a record',
      ],
    });
    const result = await pipeline(http()).runOnce();
    expect(result).toMatchObject({ status: 'succeeded', recordsIn: 5, recordsOut: 2, recordsSkipped: 3 });
    expect(result.rejected.map((r) => [r.index, r.uid])).toEqual([
      [1, 'neg'],
      [3, 'nodate'],
      [4, null],
    ]);
    expect(await totals()).toEqual({ good1: '1.01', good2: '2.00' });
    const [entry] = await logs();
    expect(entry).toMatchObject({ type: 'warning', recordsIn: 5, recordsOut: 2, recordsSkipped: 3 });
    expect(entry?.message).toMatch(/skipped 3 invalid/);
    const reasons = JSON.stringify(entry?.details);
    expect(reasons).toContain('wagered.today');
    expect(reasons).toContain('updated_at');
  });
});
