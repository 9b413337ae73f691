/**
 * A big feed page is written as it is parsed: its first part goes to the database while the rest
 * is still text. The result must be the one of reading it whole — rejections at their feed
 * positions, a repeated uid's latest record written and counted once, a malformed record failing
 * the run with nothing written.
 */
import { queryRows, schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { upstreamRecord } from '@goated/testing/upstream';
import { count, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type FeedRecords, feedOf, type UpstreamSource } from '../src/services/sync/source';
import { pipelineSuite, T1, T2 } from './support/pipeline-suite';

const { players, playerWagerDays } = schema;

/** Past the 1 MB above which a page is sliced (json-slices.ts): ~130 bytes a record. */
const BIG = 10_000;
const uid = (i: number) => `p${String(i).padStart(5, '0')}`;
const bigFeed = (n = BIG, at = T1) => Array.from({ length: n }, (_, i) => upstreamRecord(uid(i), i + 1, at));

describe.each(testBackends())('sync pipeline on %s: a big page written as it is parsed', (kind) => {
  const t = pipelineSuite(kind);
  const playerCount = async () => (await t.handle.db.select({ n: count() }).from(players))[0]?.n;

  it('writes the same players, history and counts as reading it whole, rejections at their feed positions', async () => {
    const records: unknown[] = bigFeed();
    records.splice(3, 0, { uid: 'bad-early', wagered: 'lots' });
    records.splice(7_500, 0, { uid: 'bad-late' });
    expect(JSON.stringify(records).length).toBeGreaterThan(1 << 20);
    t.feed.reply({ json: { data: records, next_cursor: null } });
    const result = await t.pipeline(t.http(), { chunkSize: 2000 }).runOnce();
    expect(result).toMatchObject({ status: 'succeeded', recordsIn: BIG + 2, recordsOut: BIG, changedPlayers: BIG });
    expect(result.rejected.map((r) => [r.index, r.uid])).toEqual([
      [3, 'bad-early'],
      [7_500, 'bad-late'],
    ]);
    expect(await playerCount()).toBe(BIG);
    expect((await t.handle.db.select({ n: count() }).from(playerWagerDays))[0]?.n).toBe(BIG);
    const totals = await t.totals();
    expect([totals[uid(0)], totals[uid(4_999)], totals[uid(BIG - 1)]]).toEqual(['1.00', '5000.00', `${BIG}.00`]);
  });

  it('applies a feed that repeats a uid across parts again, whole: the latest record wins, counted once', async () => {
    const records: unknown[] = [
      ...bigFeed(),
      // Far from its first record (another part): newer, so it wins.
      upstreamRecord(uid(5), 999, T2),
      // Older than its first record: ignored, not counted as stale.
      upstreamRecord(uid(6), 1, '2026-01-01T09:00:00Z'),
    ];
    t.feed.reply({ json: records });
    const service = t.pipeline(t.http(), { chunkSize: 2000 });
    const result = await service.runOnce();
    expect(result).toMatchObject({ status: 'succeeded', recordsIn: BIG + 2, changedPlayers: BIG, staleRecords: 0 });
    const totals = await t.totals();
    expect([totals[uid(5)], totals[uid(6)], totals[uid(7)]]).toEqual(['999.00', '7.00', '8.00']);
    expect(await playerCount()).toBe(BIG);

    // The next feed is read whole at once (the last one repeated a uid): the same answer.
    const again = await service.runOnce();
    expect(again).toMatchObject({ status: 'succeeded', changedPlayers: 0, staleRecords: 0 });
    expect(await t.totals()).toEqual(totals);
  });

  it.each([
    // The scan itself loses its way: the page is parsed whole before the transaction.
    ['a string', (text: string) => text.replace(`"uid":"${uid(9_000)}"`, `"uid":${uid(9_000)}"`)],
    // The scan passes it: the slice holding it fails after earlier parts were written.
    ['a number', (text: string) => text.replace('"today":9001,', '"today":9001x,')],
  ])(
    'fails the run on a malformed record (%s) deep in the page with JSON.parse’s own error, and writes nothing',
    async (_, breakIt) => {
      const text = breakIt(JSON.stringify({ data: bigFeed(), next_cursor: null }));
      let expected = '';
      try {
        JSON.parse(text);
      } catch (err) {
        expected = err instanceof Error ? err.message : String(err);
      }
      expect(expected).not.toBe('');
      t.feed.reply({ raw: text });
      const result = await t.pipeline(t.http(), { chunkSize: 2000 }).runOnce();
      expect(result.status).toBe('failed');
      expect(result.error).toContain(`sent malformed JSON: ${expected}`);
      expect(await playerCount()).toBe(0);
    },
  );
});

describe.each(testBackends().filter((kind) => kind === 'postgres'))('sync pipeline on %s: overlap', (kind) => {
  const t = pipelineSuite(kind);

  it('writes the first part while the rest of the feed is still being parsed', async () => {
    // A sequence is not rolled back and is read from another connection: it counts the
    // statements that inserted players, as they run inside the sync's transaction.
    await t.handle.db.execute(sql`create sequence if not exists stream_probe`);
    await t.handle.db.execute(sql`select setval('stream_probe', 1, false)`);
    await t.handle.db.execute(sql`create or replace function stream_probe() returns trigger language plpgsql as
      $$ begin perform nextval('stream_probe'); return null; end $$`);
    await t.handle.db.execute(sql`drop trigger if exists stream_probe on players`);
    await t.handle.db.execute(
      sql`create trigger stream_probe after insert on players for each statement execute function stream_probe()`,
    );
    const statementsRun = async () =>
      Number(
        (
          await queryRows<{ n: string }>(
            t.handle.db,
            sql`select case when is_called then last_value else 0 end as n from stream_probe`,
          )
        )[0]?.n ?? 0,
      );
    const first = bigFeed(2000);
    const rest = bigFeed(4000).slice(2000);
    let writtenBeforeRest = 0;
    const feed: FeedRecords = {
      count: 4000,
      async *batches() {
        yield first;
        // The next batch is asked for once the first part is complete; the pipeline should be
        // writing it by then. Give it up to 10 s to show.
        const deadline = Date.now() + 10_000;
        writtenBeforeRest = await statementsRun();
        while (writtenBeforeRest === 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          writtenBeforeRest = await statementsRun();
        }
        yield rest;
      },
      all: async () => [...first, ...rest],
    };
    const source: UpstreamSource = {
      name: 'streamed',
      fetchRecords: () => feedOf([...first, ...rest]).all(),
      fetchFeed: async () => feed,
    };
    try {
      const result = await t.pipeline(source, { chunkSize: 2000 }).runOnce();
      expect(result).toMatchObject({ status: 'succeeded', changedPlayers: 4000 });
      expect(writtenBeforeRest).toBeGreaterThanOrEqual(1);
    } finally {
      await t.handle.db.execute(sql`drop trigger if exists stream_probe on players`);
    }
  });
});
