import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { upstreamRecord } from '@goated/testing/upstream';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyIdentity, SessionUser } from '../src/server';
import { SyncService } from '../src/services/sync/service';
import { buildLadder, DEFAULT_TIERS, tierOf, tierProgress } from '../src/services/vip';
import { createTestApi, insertPlayers, insertUser, refusal, type TestApi } from './fixtures';

const ingestKey: ApiKeyIdentity = { id: 1, name: 'affiliate-push', scopes: ['ingest'], ownerId: null };

const badge = (name: string) => {
  const i = DEFAULT_TIERS.findIndex((t) => t.name === name);
  const tier = DEFAULT_TIERS[i];
  if (!tier) throw new Error(`no tier ${name}`);
  return { rank: i + 1, name, colour: tier.colour };
};

describe('the ladder in memory', () => {
  const ladder = buildLadder(DEFAULT_TIERS);

  it('finds the highest tier an all-time wager reaches, thresholds included', () => {
    expect(tierOf(ladder, '0.00').name).toBe('Copper');
    expect(tierOf(ladder, '9999.99').name).toBe('Copper');
    expect(tierOf(ladder, '10000.00').name).toBe('Bronze');
    expect(tierOf(ladder, '99999.99').name).toBe('Silver');
    expect(tierOf(ladder, '100000.00').name).toBe('Gold');
    expect(tierOf(ladder, '19999999.99').name).toBe('Emerald');
    expect(tierOf(ladder, '20000000.00').name).toBe('Diamond');
    expect(tierOf(ladder, '987654321.00').name).toBe('Diamond');
  });

  it('gives the next tier, what is left (exactly) and how far along', () => {
    expect(tierProgress(ladder, '25000.00')).toEqual({
      next: { name: 'Silver', threshold: '40000.00', colour: badge('Silver').colour },
      remaining: '15000.00',
      progress: 0.5,
    });
    expect(tierProgress(ladder, '0.01')).toMatchObject({ next: { name: 'Bronze' }, remaining: '9999.99' });
    expect(tierProgress(ladder, '25000000.00')).toEqual({ next: null, remaining: null, progress: 1 });
  });
});

describe.each(testBackends())('VIP tiers on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;

  beforeAll(async () => {
    t = await createTestApi(kind);
  }, 120_000);
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.deps.db.execute(
      sql`truncate users, players, sync_runs, transformation_logs, notifications, audit_log restart identity cascade`,
    );
    admin = await insertUser(t.deps.db, { role: 'admin' });
    // Back to the casino's ladder, as the migration seeds it.
    await t.callerAs({ user: admin }).admin.vip.setTiers({ tiers: DEFAULT_TIERS.map((tier) => ({ ...tier })) });
  });

  it('lists the casino ladder by default, lowest first', async () => {
    const tiers = await t.caller.vip.tiers();
    expect(tiers.map((tier) => [tier.rank, tier.name, tier.threshold])).toEqual([
      [1, 'Copper', '0.00'],
      [2, 'Bronze', '10000.00'],
      [3, 'Silver', '40000.00'],
      [4, 'Gold', '100000.00'],
      [5, 'Platinum', '450000.00'],
      [6, 'Pearl', '1500000.00'],
      [7, 'Sapphire', '3000000.00'],
      [8, 'Emerald', '7000000.00'],
      [9, 'Diamond', '20000000.00'],
    ]);
    expect(new Set(tiers.map((tier) => tier.colour)).size).toBe(9);
    for (const tier of tiers) expect(tier.colour).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('tags leaderboard rows, positions and profiles with the tier by all-time wager', async () => {
    await insertPlayers(t.deps.db, [
      { uid: 'a', name: 'Alice', today: '5', week: '5', month: '500.00', all: '150000.00' },
      { uid: 'b', name: 'Bob', today: '1', week: '1', month: '400.00', all: '25000.00' },
    ]);
    const top = await t.caller.leaderboard.top({ period: 'month', limit: 10 });
    expect(top.entries.map((e) => [e.uid, e.wagered, e.tier])).toEqual([
      ['a', '500.00', badge('Gold')],
      ['b', '400.00', badge('Bronze')],
    ]);
    const position = await t.caller.leaderboard.position({ period: 'today', uid: 'b', neighbours: 1 });
    expect(position.player.tier).toEqual(badge('Bronze'));
    expect(position.above[0]?.tier).toEqual(badge('Gold'));

    const profile = await t.caller.players.get({ uid: 'b' });
    expect(profile.tier).toEqual(badge('Bronze'));
    expect(profile.tierProgress).toEqual({
      next: { name: 'Silver', threshold: '40000.00', colour: badge('Silver').colour },
      remaining: '15000.00',
      progress: 0.5,
    });
    const gold = await t.caller.players.get({ uid: 'a' });
    expect(gold.tierProgress).toMatchObject({ next: { name: 'Platinum' }, remaining: '300000.00' });
  });

  it('refuses a ladder that breaks the rules, naming the tier and the field in words', async () => {
    const api = t.callerAs({ user: admin });
    const tier = (name: string, threshold: string, colour = '#123456') => ({ name, threshold, colour });

    const notFromZero = await refusal(api.admin.vip.setTiers({ tiers: [tier('Copper', '5'), tier('Gold', '10')] }));
    expect(notFromZero.code).toBe('BAD_REQUEST');
    expect(notFromZero.fields).toEqual(['tiers.0.threshold']);
    expect(notFromZero.message).toContain("Tier 1's threshold must be 0");

    const notAscending = await refusal(
      api.admin.vip.setTiers({ tiers: [tier('Copper', '0'), tier('Silver', '100'), tier('Gold', '100')] }),
    );
    expect(notAscending.fields).toEqual(['tiers.2.threshold']);
    expect(notAscending.message).toContain("Tier 3's threshold must be above Silver's");

    const sameName = await refusal(api.admin.vip.setTiers({ tiers: [tier('Gold', '0'), tier('gold', '10')] }));
    expect(sameName.fields).toEqual(['tiers.1.name']);
    expect(sameName.message).toContain('already used by Tier 1');

    const badColour = await refusal(api.admin.vip.setTiers({ tiers: [tier('Gold', '0', 'gold')] }));
    expect(badColour.fields).toEqual(['tiers.0.colour']);
    expect(badColour.message).toContain('#rrggbb');

    const none = await refusal(api.admin.vip.setTiers({ tiers: [] }));
    expect(none.fields).toEqual(['tiers']);
    const tooMany = await refusal(
      api.admin.vip.setTiers({ tiers: Array.from({ length: 31 }, (_, i) => tier(`T${i}`, String(i * 10))) }),
    );
    expect(tooMany.fields).toEqual(['tiers']);

    const user = await insertUser(t.deps.db);
    await expect(t.callerAs({ user }).admin.vip.setTiers({ tiers: [tier('A', '0')] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    // Nothing of it was stored.
    expect((await t.caller.vip.tiers()).map((x) => x.name)).toContain('Diamond');
  });

  it('replaces the ladder, audits it, and what was cached with the old tiers goes', async () => {
    await insertPlayers(t.deps.db, [{ uid: 'a', name: 'Alice', month: '500.00', all: '150000.00' }]);
    expect((await t.caller.leaderboard.top({ period: 'month' })).entries[0]?.tier.name).toBe('Gold');

    const api = t.callerAs({ user: admin, ip: '203.0.113.9' });
    const ladder = await api.admin.vip.setTiers({
      tiers: [
        { name: ' Rookie ', threshold: 0, colour: '#AABBCC' },
        { name: 'Legend', threshold: '120000', colour: '#112233' },
      ],
    });
    expect(ladder).toEqual([
      { rank: 1, name: 'Rookie', threshold: '0.00', colour: '#aabbcc' },
      { rank: 2, name: 'Legend', threshold: '120000.00', colour: '#112233' },
    ]);
    expect(await t.caller.vip.tiers()).toEqual(ladder);
    // The cached board was dropped: the row carries the new tier at once.
    expect((await t.caller.leaderboard.top({ period: 'month' })).entries[0]?.tier).toEqual({
      rank: 2,
      name: 'Legend',
      colour: '#112233',
    });

    const audit = await t.deps.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.action, 'vip.setTiers'))
      .orderBy(asc(schema.auditLog.id));
    expect(audit.at(-1)).toMatchObject({ actorUserId: admin.id, targetType: 'vip', ip: '203.0.113.9' });
    expect(audit.at(-1)?.details).toMatchObject({ after: [{ name: 'Rookie' }, { name: 'Legend' }] });
  });

  it("tells a claimed player's user once when an ingest lifts them over a threshold, and logs it", async () => {
    t.deps.sync = new SyncService({
      db: t.deps.db,
      bus: t.deps.bus,
      source: { name: 'none', fetchRecords: async () => [] },
    });
    const api = t.callerAs({ apiKey: ingestKey });
    // Known first (a player's first appearance is no tier-up), below Bronze.
    await api.sync.ingest({ records: [upstreamRecord('p1', '9000.00', '2026-01-01T10:00:00Z', 'alice')] });
    const user = await insertUser(t.deps.db, { playerUid: 'p1' });
    expect(await tierNotifications(user.id)).toEqual([]);

    const lifted = { records: [upstreamRecord('p1', '10500.00', '2026-01-01T11:00:00Z', 'alice')] };
    await api.sync.ingest(lifted);
    const told = await tierNotifications(user.id);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      kind: 'tier',
      type: 'tier.up',
      title: 'You reached Bronze!',
      link: '/players/p1',
      web: true,
    });
    expect(told[0]?.body).toContain('$10,500.00');
    expect(told[0]?.body).toContain('$29,500.00 more to Silver');

    const logs = await t.deps.db
      .select({ message: schema.transformationLogs.message })
      .from(schema.transformationLogs)
      .where(eq(schema.transformationLogs.message, 'alice reached Bronze'));
    expect(logs).toHaveLength(1);

    // The same batch again, and a later rise inside the same tier: no second notice.
    await api.sync.ingest(lifted);
    await api.sync.ingest({ records: [upstreamRecord('p1', '12000.00', '2026-01-01T12:00:00Z', 'alice')] });
    expect(await tierNotifications(user.id)).toHaveLength(1);

    // The profile's standing shows the tier and the way to the next.
    const standing = await t.callerAs({ user }).account.standing();
    expect(standing?.tier).toEqual(badge('Bronze'));
    expect(standing?.tierProgress).toMatchObject({ next: { name: 'Silver' }, remaining: '28000.00' });
  });

  async function tierNotifications(userId: string) {
    return t.deps.db
      .select()
      .from(schema.notifications)
      .where(sql`${schema.notifications.userId} = ${userId} and ${schema.notifications.kind} = 'tier'`);
  }
});
