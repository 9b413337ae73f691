/**
 * The sync pipeline's apply: idempotence, what it knows to be unchanged, stale and late data, a
 * run that dies inside its transaction, a feed written in parts, a new player another writer
 * inserts while a run writes.
 */
import { queryRows, schema } from '@goated/db';
import { deferred, waitFor } from '@goated/testing';
import { testBackends } from '@goated/testing/db';
import { upstreamRecord } from '@goated/testing/upstream';
import { asc, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type ParsedRecords, parseRecordsInParts } from '../src/services/sync/records';
import { fixed, pipelineSuite, T1, T2 } from './support/pipeline-suite';

const { players, playerWagerDays } = schema;

/** The same figure in all four periods, as a players row takes it. */
function wagers(amount: string) {
  return { wagerToday: amount, wagerWeek: amount, wagerMonth: amount, wagerAllTime: amount };
}

describe.each(testBackends())('sync pipeline on %s: applying feeds', (kind) => {
  const t = pipelineSuite(kind);
  const { http, pipeline, logs, totals } = t;

  it('is idempotent: the same feed twice changes nothing, in totals or history', async () => {
    const records = [upstreamRecord('a', '100.10', T1), upstreamRecord('b', 7, T1)];
    t.feed.reply({ json: records });
    const service = pipeline(http());
    expect(await service.runOnce()).toMatchObject({ changedPlayers: 2 });
    const before = {
      players: await t.handle.db.select().from(players).orderBy(asc(players.uid)),
      days: await t.handle.db.select().from(playerWagerDays).orderBy(asc(playerWagerDays.playerUid)),
    };
    const again = await service.runOnce();
    expect(again).toMatchObject({ status: 'succeeded', changedPlayers: 0, recordsOut: 2 });
    expect(await t.handle.db.select().from(players).orderBy(asc(players.uid))).toEqual(before.players);
    expect(await t.handle.db.select().from(playerWagerDays).orderBy(asc(playerWagerDays.playerUid))).toEqual(
      before.days,
    );
  });

  it('does not send records it knows to be unchanged, and sends the ones that moved', async () => {
    const service = pipeline(fixed([]));
    const feed1 = ['a', 'b', 'c'].map((uid) => upstreamRecord(uid, 10, T1));
    expect(await service.runOnce('schedule', fixed(feed1))).toMatchObject({ changedPlayers: 3, knownUnchanged: 0 });
    const same = await service.runOnce('schedule', fixed(feed1.map((r) => ({ ...r, updated_at: T2 }))));
    expect(same).toMatchObject({ status: 'succeeded', recordsOut: 3, changedPlayers: 0, knownUnchanged: 3 });
    const moved = [upstreamRecord('a', 10, T2), upstreamRecord('b', 11, T2), upstreamRecord('c', 10, T2)];
    expect(await service.runOnce('schedule', fixed(moved))).toMatchObject({ changedPlayers: 1, knownUnchanged: 2 });
    expect(await totals()).toEqual({ a: '10.00', b: '11.00', c: '10.00' });
  });

  it('does not trust what it knew once another writer has committed in between', async () => {
    const one = pipeline(fixed([upstreamRecord('a', 10, T1)]));
    const other = pipeline(fixed([]));
    await one.runOnce();
    // Another instance (here: another service on the same database) pushes a newer figure...
    await other.ingest([upstreamRecord('a', 99, '2026-01-01T10:30:00Z')], 'ingest:test');
    // ...and upstream then reports a=10 again, later still: it must win, so it must be sent.
    const again = await one.runOnce('schedule', fixed([upstreamRecord('a', 10, T2)]));
    expect(again).toMatchObject({ changedPlayers: 1, knownUnchanged: 0 });
    expect(await totals()).toEqual({ a: '10.00' });
    // The same holds for a batch pushed through the same service.
    await one.ingest([upstreamRecord('a', 50, '2026-01-01T11:30:00Z')], 'ingest:test');
    const after = await one.runOnce('schedule', fixed([upstreamRecord('a', 10, '2026-01-01T12:00:00Z')]));
    expect(after).toMatchObject({ changedPlayers: 1, knownUnchanged: 0 });
    expect(await totals()).toEqual({ a: '10.00' });
  });

  it('keeps sending a stale record rather than remembering it as stored', async () => {
    const service = pipeline(fixed([upstreamRecord('a', 10, T2)]));
    await service.runOnce();
    const late = fixed([upstreamRecord('a', 5, T1)]);
    expect(await service.runOnce('schedule', late)).toMatchObject({ staleRecords: 1, knownUnchanged: 0 });
    expect(await service.runOnce('schedule', late)).toMatchObject({ staleRecords: 1, knownUnchanged: 0 });
    expect(await totals()).toEqual({ a: '10.00' });
  });

  it('ignores stale records (older than stored) while applying the newer ones of the same batch', async () => {
    t.feed.reply(
      { json: [upstreamRecord('a', 500, T2), upstreamRecord('b', 100, T1)] },
      { json: [upstreamRecord('a', 400, T1), upstreamRecord('b', 150, T2)] },
    );
    const service = pipeline(http());
    await service.runOnce();
    const late = await service.runOnce();
    expect(late).toMatchObject({ status: 'succeeded', changedPlayers: 1, staleRecords: 1 });
    expect(await totals()).toEqual({ a: '500.00', b: '150.00' });
    const entries = await logs();
    expect(entries.at(-1)?.message).toMatch(/1 older than stored, ignored/);
  });

  it('keeps yesterday in the history when a late snapshot of yesterday arrives after today', async () => {
    const service = pipeline(fixed([upstreamRecord('a', 30, '2026-01-02T09:00:00Z')]));
    await service.runOnce();
    await service.runOnce('schedule', fixed([upstreamRecord('a', 25, '2026-01-01T23:59:00Z')]));
    expect(await totals()).toEqual({ a: '30.00' });
    const days = await t.handle.db.select().from(playerWagerDays).orderBy(asc(playerWagerDays.day));
    expect(days.map((d) => [d.day, d.wagered])).toEqual([
      ['2026-01-01', '25.00'],
      ['2026-01-02', '30.00'],
    ]);
  });

  it('rolls back a run that fails halfway through its transaction: no partial state', async () => {
    const service = pipeline(fixed([]), { chunkSize: 2 });
    await service.runOnce('schedule', fixed(['a', 'b', 'c'].map((uid) => upstreamRecord(uid, 10, T1))));
    const before = { totals: await totals(), days: await t.handle.db.select().from(playerWagerDays) };
    // A fault inside the database on the fourth player, in the second statement of the batch
    // (chunks of two, sorted by uid), after the first statement updated a and b.
    await t.handle.db.execute(sql`
      create function fail_on_boom() returns trigger language plpgsql as $$
      begin
        if new.uid = 'boom' then raise exception 'disk on fire while writing %', new.uid; end if;
        return new;
      end $$`);
    await t.handle.db.execute(
      sql`create trigger fail_on_boom before insert on players for each row execute function fail_on_boom()`,
    );
    const feedWithBoom = ['a', 'b', 'boom', 'c'].map((uid) => upstreamRecord(uid, 20, T2));
    const result = await service.runOnce('schedule', fixed(feedWithBoom));
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/disk on fire/);
    expect(await totals()).toEqual(before.totals);
    expect(await t.handle.db.select().from(playerWagerDays)).toEqual(before.days);
    const entries = await logs();
    expect(entries.at(-1)).toMatchObject({ type: 'error', runId: result.runId });

    // What the failed run noted as written while it went (a and b, before the fault) is not
    // trusted afterwards: the same figures are sent again, and stored.
    await t.handle.db.execute(sql`drop trigger fail_on_boom on players`);
    const retried = await service.runOnce('schedule', fixed(['a', 'b', 'c'].map((uid) => upstreamRecord(uid, 20, T2))));
    expect(retried).toMatchObject({ status: 'succeeded', changedPlayers: 3, knownUnchanged: 0 });
    expect(await totals()).toEqual({ a: '20.00', b: '20.00', c: '20.00' });
  });

  it('writes a feed in parts: rejections keep their feed positions, a repeated uid keeps its latest record', async () => {
    const service = pipeline(fixed([]), { chunkSize: 2 });
    const feedInParts = [
      upstreamRecord('a', 1, T1),
      { uid: 'bad-1', name: 'x', wagered: 'lots' },
      upstreamRecord('b', 2, T1),
      upstreamRecord('c', 3, T1),
      { uid: 'bad-2' },
      upstreamRecord('d', 4, T1),
    ];
    const result = await service.runOnce('schedule', fixed(feedInParts));
    expect(result).toMatchObject({ status: 'succeeded', recordsIn: 6, recordsOut: 4, changedPlayers: 4 });
    expect(result.rejected.map((r) => [r.index, r.uid])).toEqual([
      [1, 'bad-1'],
      [4, 'bad-2'],
    ]);
    expect(await totals()).toEqual({ a: '1.00', b: '2.00', c: '3.00', d: '4.00' });

    // `a` twice, in different parts, the later record older: the newest one wins, counted once.
    const repeated = [upstreamRecord('a', 50, T2), upstreamRecord('b', 5, T2), upstreamRecord('a', 40, T1)];
    const again = await service.runOnce('schedule', fixed(repeated));
    expect(again).toMatchObject({ status: 'succeeded', changedPlayers: 2, staleRecords: 0 });
    expect(await totals()).toEqual({ a: '50.00', b: '5.00', c: '3.00', d: '4.00' });
  });
});

// Two sessions at once: on PostgreSQL only (PGlite is one session).
describe.each(testBackends().filter((kind) => kind === 'postgres'))('sync pipeline on %s: another writer', (kind) => {
  const t = pipelineSuite(kind);
  const { pipeline, totals } = t;

  it('writes a new player that another writer inserts meanwhile as an update would: newer figures win either way', async () => {
    const { db } = t.handle;
    const inserted = deferred();
    const finish = deferred();
    // A writer outside the sync's lock inserts b (older than the feed) and c (newer), and
    // keeps its transaction open while the run begins: to the run, b and c are new players.
    const writer = db.transaction(async (tx) => {
      await tx.insert(players).values([
        { uid: 'b', name: 'b', ...wagers('5.00'), upstreamUpdatedAt: new Date(T1) },
        { uid: 'c', name: 'c', ...wagers('99.00'), upstreamUpdatedAt: new Date('2026-01-01T12:00:00Z') },
      ]);
      inserted.resolve();
      await finish.promise;
    });
    await inserted.promise;
    const service = pipeline(fixed(['a', 'b', 'c'].map((uid) => upstreamRecord(uid, 20, T2))));
    const run = service.runOnce();
    try {
      // The run's plain insert of b waits for the writer's transaction...
      await waitFor(
        async () => {
          const [row] = await queryRows<{ n: number }>(
            db,
            sql`select count(*)::int as n from pg_stat_activity
                where datname = current_database() and wait_event_type = 'Lock'`,
          );
          return row?.n === 1;
        },
        { label: 'the run to wait for the other writer' },
      );
    } finally {
      // ...which commits: the insert fails on b, and the chunk is written again with ON CONFLICT.
      finish.resolve();
      await writer;
    }
    expect(await run).toMatchObject({ status: 'succeeded', changedPlayers: 2, staleRecords: 1 });
    expect(await totals()).toEqual({ a: '20.00', b: '20.00', c: '99.00' });
    const days = await db.select().from(playerWagerDays).orderBy(asc(playerWagerDays.playerUid));
    // History is kept per day, apart from the totals: the writer wrote no day for c.
    expect(days.map((d) => [d.playerUid, d.wagered])).toEqual([
      ['a', '20.00'],
      ['b', '20.00'],
      ['c', '20.00'],
    ]);
    // The bucket counts (kept by trigger, through the rolled-back attempt) match the players.
    const [counts] = await queryRows<{ kept: unknown; actual: unknown }>(
      db,
      sql`select
          (select json_agg(json_build_array(period, bucket::text, players) order by period, bucket)
            from leaderboard_buckets where players <> 0) as kept,
          (select json_agg(json_build_array(g.period, g.bucket::text, g.n) order by g.period, g.bucket) from (
            select v.period, wager_bucket(v.w)::numeric(20, 2) as bucket, count(*)::int as n from players p
            cross join lateral (values ('today', p.wager_today), ('week', p.wager_week),
              ('month', p.wager_month), ('all', p.wager_all_time)) as v(period, w)
            where v.w > 0 group by 1, 2) g) as actual`,
    );
    expect(counts?.kept).toEqual(counts?.actual);
  });
});

describe('validating a feed in parts', () => {
  const records = (n: number) => Array.from({ length: n }, (_, i) => upstreamRecord(`p${i}`, i + 1, T1));
  const sizes = async (parts: AsyncGenerator<ParsedRecords>) => {
    const out: number[] = [];
    for await (const part of parts) out.push(part.snapshots.length + part.rejected.length);
    return out;
  };

  it('can make the first part smaller, so the database gets work sooner', async () => {
    const fetchedAt = new Date(T1);
    expect(await sizes(parseRecordsInParts(records(9), fetchedAt, 3))).toEqual([3, 3, 3]);
    expect(await sizes(parseRecordsInParts(records(9), fetchedAt, 3, 2, 2))).toEqual([2, 3, 3, 1]);
    expect(await sizes(parseRecordsInParts(records(2), fetchedAt, 3, 2, 5))).toEqual([2]);
    expect(await sizes(parseRecordsInParts(records(0), fetchedAt, 3, 2, 2))).toEqual([]);
  });
});
