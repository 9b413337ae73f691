import { schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { toCents } from '@goated/validators';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { RouterInputs } from '../src/index';
import type { AppEvents, SessionUser } from '../src/server';
import { addDays, startOfUtcDay, utcDay } from '../src/services/dates';
import { finalizeRace } from '../src/services/race-admin';
import { type Caller, createTestApi, insertPlayers, insertUser, insertWagerDays, type TestApi } from './fixtures';

const { races, raceResults, auditLog } = schema;
const HOUR = 3_600_000;

type CreateInput = RouterInputs['races']['create'];

/** The fields a rejected call's issues name, e.g. ['startsAt', 'prizes.1']. */
async function rejectedFields(call: Promise<unknown>): Promise<string[]> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to be rejected');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect(error).toMatchObject({ code: 'BAD_REQUEST' });
  const cause = (error as TRPCError).cause;
  expect(cause).toBeInstanceOf(ZodError);
  return (cause as ZodError).issues.map((i) => i.path.join('.'));
}

describe.each(testBackends())('race administration on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  let asAdmin: Caller;
  const today = startOfUtcDay(new Date());
  const valid = (overrides: Partial<CreateInput> = {}): CreateInput => ({
    name: 'Weekend race',
    startsAt: new Date(Date.now() + HOUR),
    endsAt: new Date(Date.now() + 49 * HOUR),
    prizePool: '1000.00',
    prizes: ['600.00', '300.00', '100.00'],
    ...overrides,
  });

  /** A race whose window is already open (inserted directly: `create` only accepts future ones). */
  async function insertLiveRace(fields: Partial<typeof races.$inferInsert> = {}): Promise<number> {
    const [row] = await t.deps.db
      .insert(races)
      .values({
        name: 'Live race',
        startsAt: addDays(today, -2),
        endsAt: new Date(Date.now() + 24 * HOUR),
        prizePool: '0.60',
        prizeSplit: ['0.30', '0.20', '0.10'],
        status: 'live',
        ...fields,
      })
      .returning({ id: races.id });
    if (!row) throw new Error('insert failed');
    return row.id;
  }

  beforeAll(async () => {
    t = await createTestApi(kind);
    admin = await insertUser(t.deps.db, { role: 'admin', username: 'boss' });
    asAdmin = t.callerAs({ user: admin });
    await insertPlayers(t.deps.db, [
      { uid: 'a', name: 'Ann' },
      { uid: 'b', name: 'Ben' },
      { uid: 'c', name: 'Cat' },
      { uid: 'd', name: 'Dan' },
    ]);
    await insertWagerDays(t.deps.db, [
      { uid: 'a', day: utcDay(addDays(today, -1)), wagered: '100.00' },
      { uid: 'b', day: utcDay(today), wagered: '300.10' },
      { uid: 'c', day: utcDay(today), wagered: '100.00' }, // ties with a: uid a ranks first
      { uid: 'd', day: utcDay(addDays(today, -1)), wagered: '50.00' },
    ]);
  });
  afterAll(() => t.close());

  it('refuses every admin action to anonymous callers and to plain users', async () => {
    const user = await insertUser(t.deps.db, { role: 'user' });
    const raceId = await insertLiveRace();
    const calls = (c: Caller) => [
      c.races.create(valid()),
      c.races.update({ raceId, name: 'x' }),
      c.races.cancel({ raceId }),
      c.races.finalize({ raceId }),
    ];
    for (const call of calls(t.caller)) await expect(call).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    for (const call of calls(t.callerAs({ user }))) await expect(call).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('creates an upcoming race and writes who did it to the audit log', async () => {
    const race = await asAdmin.races.create(valid({ prizePool: '1000', prizes: ['600', '300.5', '99.50'] }));
    expect(race).toMatchObject({
      name: 'Weekend race',
      status: 'upcoming',
      prizePool: '1000.00',
      prizes: [
        { rank: 1, prize: '600.00' },
        { rank: 2, prize: '300.50' },
        { rank: 3, prize: '99.50' },
      ],
    });
    const [entry] = await t.deps.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, String(race.id)));
    expect(entry).toMatchObject({ actorUserId: admin.id, action: 'race.create', targetType: 'race' });
    expect(entry?.details).toMatchObject({ name: 'Weekend race', prizePool: '1000.00' });
  });

  it('names the field of every creation error', async () => {
    const soon = Date.now() + HOUR;
    const cases: [Partial<CreateInput>, string[]][] = [
      [{ name: '  ' }, ['name']],
      [{ startsAt: new Date(Date.now() - 1000) }, ['startsAt']],
      [{ startsAt: new Date(soon), endsAt: new Date(soon) }, ['endsAt']],
      [{ startsAt: new Date(soon), endsAt: new Date(soon - 1) }, ['endsAt']],
      [{ endsAt: new Date(soon + 400 * 24 * HOUR) }, ['endsAt']],
      [{ prizePool: '1000.01' }, ['prizes']],
      [{ prizes: ['600.00', '300.00', '99.99'] }, ['prizes']],
      [{ prizes: ['300.00', '600.00', '100.00'] }, ['prizes.1']],
      [{ prizePool: '12.345' }, ['prizePool']],
      [{ prizePool: '-5' }, ['prizePool']],
      [{ prizePool: '0' }, ['prizePool']],
      [{ prizes: ['1000.00', 'ten'] }, ['prizes.1']],
      [{ prizes: ['1000.00', '0.00'] }, ['prizes.1']],
      [{ prizes: [] }, ['prizes']],
      [{ prizePool: '101.00', prizes: Array.from({ length: 101 }, () => '1.00') }, ['prizes']],
    ];
    for (const [overrides, fields] of cases) {
      expect({ overrides, fields: await rejectedFields(asAdmin.races.create(valid(overrides))) }).toEqual({
        overrides,
        fields,
      });
    }
  });

  it('edits an upcoming race freely, keeping the rules', async () => {
    const race = await asAdmin.races.create(valid());
    const edited = await asAdmin.races.update({
      raceId: race.id,
      name: 'Renamed',
      startsAt: new Date(Date.now() + 2 * HOUR),
      prizePool: '900.00',
      prizes: ['500.00', '400.00'],
    });
    expect(edited).toMatchObject({ name: 'Renamed', prizePool: '900.00', status: 'upcoming' });
    expect(edited.prizes).toHaveLength(2);
    // The pool alone no longer matches the split; a start in the past; nothing at all.
    expect(await rejectedFields(asAdmin.races.update({ raceId: race.id, prizePool: '950.00' }))).toEqual(['prizes']);
    expect(
      await rejectedFields(asAdmin.races.update({ raceId: race.id, startsAt: new Date(Date.now() - 1000) })),
    ).toEqual(['startsAt']);
    expect(
      await rejectedFields(asAdmin.races.update({ raceId: race.id, endsAt: new Date(Date.now() + HOUR) })),
    ).toEqual(['endsAt']);
    expect(await rejectedFields(asAdmin.races.update({ raceId: race.id }))).toEqual(['']);
    const audit = await t.deps.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, String(race.id)));
    expect(audit.map((a) => a.action)).toEqual(['race.create', 'race.update']);
    expect(audit[1]?.details).toMatchObject({ before: { name: 'Weekend race' }, after: { name: 'Renamed' } });
  });

  it('refuses edits that would rewrite a live race, allows the rest', async () => {
    const raceId = await insertLiveRace();
    const fields = (changes: Omit<RouterInputs['races']['update'], 'raceId'>) =>
      rejectedFields(asAdmin.races.update({ raceId, ...changes }));
    expect(await fields({ startsAt: new Date(Date.now() + HOUR) })).toEqual(['startsAt']);
    expect(await fields({ prizePool: '1.00', prizes: ['1.00'] })).toEqual(['prizePool', 'prizes']);
    expect(await fields({ endsAt: new Date(Date.now() - 1000) })).toEqual(['endsAt']);
    const later = new Date(Date.now() + 48 * HOUR);
    const edited = await asAdmin.races.update({ raceId, name: 'Extended', endsAt: later });
    expect(edited).toMatchObject({ name: 'Extended', status: 'live', endsAt: later });
  });

  it('cancels a race once; a completed race can be neither cancelled nor edited', async () => {
    const raceId = await insertLiveRace();
    const cancelled = await asAdmin.races.cancel({ raceId });
    expect(cancelled.status).toBe('cancelled');
    expect((await asAdmin.races.cancel({ raceId })).status).toBe('cancelled');
    await expect(asAdmin.races.finalize({ raceId })).rejects.toMatchObject({ code: 'CONFLICT' });
    const audit = await t.deps.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, String(raceId)));
    expect(audit.map((a) => a.action)).toEqual(['race.cancel']);

    const endedId = await insertLiveRace({ endsAt: new Date(Date.now() - 1000) });
    await asAdmin.races.finalize({ raceId: endedId });
    await expect(asAdmin.races.cancel({ raceId: endedId })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(asAdmin.races.update({ raceId: endedId, name: 'x' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(asAdmin.races.update({ raceId: 999_999, name: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('will not finalize a race before it ends', async () => {
    const raceId = await insertLiveRace();
    await expect(asAdmin.races.finalize({ raceId })).rejects.toMatchObject({ code: 'CONFLICT' });
    const results = await t.deps.db.select().from(raceResults).where(eq(raceResults.raceId, raceId));
    expect(results).toEqual([]);
  });

  it('turns 20 concurrent finalize calls into one result set and one announcement', async () => {
    const raceId = await insertLiveRace({ endsAt: new Date(Date.now() - 1000) });
    const finished: AppEvents['race.finished'][] = [];
    const off = t.deps.bus.subscribe('race.finished', (e) => finished.push(e));
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => asAdmin.races.finalize({ raceId })));
    off();

    expect(outcomes.filter((o) => o.finalizedNow)).toHaveLength(1);
    const rows = await t.deps.db.select().from(raceResults).where(eq(raceResults.raceId, raceId));
    expect(rows).toHaveLength(4);
    for (const o of outcomes) expect(o.results).toEqual(outcomes[0]?.results);
    // Ties (a and c both 100.00) broken by uid, as on the leaderboards.
    expect(outcomes[0]?.results.map((r) => [r.rank, r.uid, r.wagered, r.prize])).toEqual([
      [1, 'b', '300.10', '0.30'],
      [2, 'a', '100.00', '0.20'],
      [3, 'c', '100.00', '0.10'],
      [4, 'd', '50.00', '0.00'],
    ]);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ raceId, prizePool: '0.60', unawarded: '0.00' });
    expect(finished[0]?.winners.map((w) => w.uid)).toEqual(['b', 'a', 'c']);
    const audit = await t.deps.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, String(raceId)));
    expect(audit.map((a) => a.action)).toEqual(['race.finalize']);
  });

  it('records the IP of every race action, as every other admin action does', async () => {
    const fromOffice = t.callerAs({ user: admin, ip: '203.0.113.7' });
    const race = await fromOffice.races.create(valid({ name: 'Audited race' }));
    await fromOffice.races.update({ raceId: race.id, name: 'Audited race, renamed' });
    await fromOffice.races.cancel({ raceId: race.id });
    const entries = await t.deps.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, String(race.id)));
    expect(entries.map((e) => [e.action, e.ip])).toEqual([
      ['race.create', '203.0.113.7'],
      ['race.update', '203.0.113.7'],
      ['race.cancel', '203.0.113.7'],
    ]);
  });

  it('ranks only players who reached the minimum wager, and counts them when it freezes the results', async () => {
    // a 100 (yesterday), b 300.10, c 100 (today), d 50: a minimum of 100 leaves d out.
    const raceId = await insertLiveRace({ endsAt: new Date(Date.now() - 1000), minWager: '100.00' });
    const live = await rankedUids(raceId);
    expect(live).toEqual(['b', 'a', 'c']);
    await asAdmin.races.finalize({ raceId });
    const [row] = await t.deps.db.select().from(races).where(eq(races.id, raceId));
    expect(row?.participants).toBe(3);
    expect((await asAdmin.races.get({ raceId })).participants).toBe(3);
  });

  async function rankedUids(raceId: number): Promise<string[]> {
    const [row] = await t.deps.db.select().from(races).where(eq(races.id, raceId));
    if (!row) throw new Error('no race');
    const { rankRace } = await import('../src/services/races');
    return (await rankRace(t.deps.db, row, 10)).map((s) => s.uid);
  }

  it('pays out exactly the pool, in decimals, without float drift', async () => {
    // Added up as floats, 0.70 + 0.20 + 0.20 is 1.0999999999999999.
    expect(0.7 + 0.2 + 0.2).not.toBe(1.1);
    const raceId = await insertLiveRace({
      endsAt: new Date(Date.now() - 1000),
      prizePool: '1.10',
      prizeSplit: ['0.70', '0.20', '0.20'],
    });
    const { results, unawarded } = await asAdmin.races.finalize({ raceId });
    const paid = results.reduce((sum, r) => sum + toCents(r.prize), 0n);
    expect(paid).toBe(toCents('1.10'));
    expect(unawarded).toBe('0.00');
    const standings = await t.caller.races.standings({ raceId });
    expect(standings.final).toBe(true);
    expect(standings.standings.map((s) => s.prize)).toEqual(['0.70', '0.20', '0.20', '0.00']);
  });

  it('keeps what nobody won apart, so prizes and the unawarded rest still make the pool', async () => {
    const raceId = await insertLiveRace({
      startsAt: addDays(today, -1),
      endsAt: new Date(Math.min(Date.now() - 1000, today.getTime() - 1)), // only yesterday: a and d
      prizePool: '100.00',
      prizeSplit: ['50.00', '30.00', '20.00'],
    });
    const { results, unawarded } = await asAdmin.races.finalize({ raceId });
    expect(results.map((r) => [r.uid, r.prize])).toEqual([
      ['a', '50.00'],
      ['d', '30.00'],
    ]);
    expect(unawarded).toBe('20.00');
  });

  it('never changes a finished race: later wagers and repeated calls leave its results alone', async () => {
    const raceId = await insertLiveRace({ endsAt: new Date(Date.now() - 1000) });
    const first = await finalizeRace(t.deps, null, raceId);
    expect(first.finalizedNow).toBe(true);
    await t.deps.db
      .update(schema.playerWagerDays)
      .set({ wagered: '99999.00' })
      .where(eq(schema.playerWagerDays.playerUid, 'd'));
    await t.deps.bus.publish('leaderboard.changed', { changedPlayers: 1, at: new Date().toISOString() });
    const again = await finalizeRace(t.deps, null, raceId);
    expect(again.finalizedNow).toBe(false);
    expect(again.results).toEqual(first.results);
    const standings = await t.caller.races.standings({ raceId, limit: 10 });
    expect(standings.standings).toEqual(
      first.results.map((r) => ({ ...r, tier: expect.objectContaining({ rank: 1 }) })),
    );
    await t.deps.db
      .update(schema.playerWagerDays)
      .set({ wagered: '50.00' })
      .where(eq(schema.playerWagerDays.playerUid, 'd'));
  });
});
