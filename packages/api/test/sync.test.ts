import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { desc } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSource } from '../src/server';
import { runSync } from '../src/services/sync/runner';
import { SimulatedUpstream } from '../src/services/sync/simulator';
import { createTestApi, type TestApi } from './fixtures';

/** An upstream that returns whatever the test gives it. */
function fixedSource(records: unknown[]): UpstreamSource {
  return { name: 'fixed', fetchRecords: async () => records };
}

const record = (uid: string, month: number | string, updatedAt: string, name = uid) => ({
  uid,
  name,
  wagered: { today: month, this_week: month, this_month: month, all_time: month },
  updated_at: updatedAt,
});

describe.each(testBackends())('sync on %s', (kind) => {
  let t: TestApi;
  beforeEach(async () => {
    t = await createTestApi(kind);
  });
  afterEach(() => t.close());

  it('applies records and publishes one leaderboard change', async () => {
    const events: unknown[] = [];
    t.deps.bus.subscribe('leaderboard.changed', (e) => events.push(e));
    const result = await runSync(t.deps, fixedSource([record('a', 10.5, '2026-01-01T10:00:00Z')]));
    expect(result).toMatchObject({ status: 'succeeded', recordsIn: 1, recordsOut: 1, changedPlayers: 1 });
    const top = await t.caller.leaderboard.top({ period: 'all' });
    expect(top.entries).toEqual([
      { rank: 1, uid: 'a', name: 'a', wagered: '10.50', tier: { rank: 1, name: 'Copper', colour: '#c46a3c' } },
    ]);
    expect(events).toHaveLength(1);
  });

  it('is idempotent: the same feed twice changes nothing', async () => {
    const feed = [record('a', '100.10', '2026-01-01T10:00:00Z'), record('b', 7, '2026-01-01T10:00:00Z')];
    await runSync(t.deps, fixedSource(feed));
    const again = await runSync(t.deps, fixedSource(feed));
    expect(again.changedPlayers).toBe(0);
    const top = await t.caller.leaderboard.top({ period: 'all' });
    expect(top.entries.map((e) => e.wagered)).toEqual(['100.10', '7.00']);
  });

  it('ignores a batch older than what is stored, so totals never go backwards', async () => {
    await runSync(t.deps, fixedSource([record('a', 500, '2026-01-02T00:00:00Z')]));
    const late = await runSync(t.deps, fixedSource([record('a', 400, '2026-01-01T00:00:00Z')]));
    expect(late.changedPlayers).toBe(0);
    const pos = await t.caller.leaderboard.position({ period: 'all', uid: 'a' });
    expect(pos.player.wagered).toBe('500.00');
  });

  it('skips and logs bad records while applying the good ones', async () => {
    const result = await runSync(
      t.deps,
      fixedSource([
        record('good', 1, '2026-01-01T00:00:00Z'),
        { uid: 'bad', name: 'x', wagered: { today: -1, this_week: 0, this_month: 0, all_time: 0 } },
        'not even an object',
      ]),
    );
    expect(result).toMatchObject({ status: 'succeeded', recordsIn: 3, recordsOut: 1, recordsSkipped: 2 });
    const [log] = await t.deps.db
      .select()
      .from(schema.transformationLogs)
      .orderBy(desc(schema.transformationLogs.id))
      .limit(1);
    expect(log?.type).toBe('warning');
    expect(JSON.stringify(log?.details)).toContain('wagered.today');
  });

  it('turns an upstream failure into an error log entry instead of throwing', async () => {
    const failing: UpstreamSource = {
      name: 'broken',
      fetchRecords: async () => {
        throw new Error('upstream answered 503');
      },
    };
    const result = await runSync(t.deps, failing);
    expect(result).toMatchObject({ status: 'failed', error: 'upstream answered 503' });
    const logs = await t.deps.db.select().from(schema.transformationLogs);
    expect(logs.map((l) => l.type)).toEqual(['error']);
  });

  it('the simulator moves wagers between two runs', async () => {
    let now = new Date('2026-03-10T12:00:00Z');
    const sim = new SimulatedUpstream({ players: 50, activeShare: 0.5, now: () => now });
    await runSync(t.deps, sim);
    const before = await t.caller.leaderboard.top({ period: 'all', limit: 50 });
    now = new Date('2026-03-10T12:00:05Z');
    await runSync(t.deps, sim);
    const after = await t.caller.leaderboard.top({ period: 'all', limit: 50 });
    expect(after.entries).not.toEqual(before.entries);
  });
});
