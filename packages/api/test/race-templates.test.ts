import { type DbHandle, schema } from '@goated/db';
import { createSharedTestDb, testBackends } from '@goated/testing/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppEvents, createInProcessBus, type SessionUser } from '../src/server';
import { createScheduledRaces, occurrences, racesOfTemplate } from '../src/services/race-templates';
import { type Caller, createTestApi, insertUser, type TestApi } from './fixtures';

const { races, auditLog } = schema;
const DAY = 86_400_000;

describe('the windows of a recurring race', () => {
  it('starts weekly at the same wall-clock time in its zone, across a daylight-saving change', () => {
    const weekly = { cadence: 'weekly' as const, startDay: 1, startTime: '18:00', timeZone: 'Europe/Berlin' };
    // Wednesday 18 March 2026; Berlin moves to summer time on Sunday 29 March.
    const windows = occurrences(weekly, new Date('2026-03-18T12:00:00Z'), new Date('2026-04-06T00:00:00Z'));
    expect(windows.map((w) => [w.startsAt.toISOString(), w.endsAt.toISOString()])).toEqual([
      ['2026-03-23T17:00:00.000Z', '2026-03-30T16:00:00.000Z'], // 18:00 CET → 18:00 CEST
      ['2026-03-30T16:00:00.000Z', '2026-04-06T16:00:00.000Z'],
    ]);
  });

  it('starts monthly on its day and lasts a calendar month', () => {
    const monthly = { cadence: 'monthly' as const, startDay: 1, startTime: '00:00', timeZone: 'UTC' };
    const windows = occurrences(monthly, new Date('2026-01-15T00:00:00Z'), new Date('2026-03-01T00:00:00Z'));
    expect(windows.map((w) => [w.startsAt.toISOString(), w.endsAt.toISOString()])).toEqual([
      ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
      ['2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'],
    ]);
  });
});

describe.each(testBackends())('recurring race templates on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  let asAdmin: Caller;

  beforeAll(async () => {
    t = await createTestApi(kind);
    admin = await insertUser(t.deps.db, { role: 'admin' });
    asAdmin = t.callerAs({ user: admin, ip: '198.51.100.4' });
  });
  afterAll(() => t.close());

  /** A weekly template whose next start is `inHours` from now (UTC, on the hour). */
  function weeklyStartingIn(inHours: number, name: string) {
    const start = new Date(Math.ceil((Date.now() + inHours * 3_600_000) / 3_600_000) * 3_600_000);
    const weekday = ((start.getUTCDay() + 6) % 7) + 1;
    return {
      name,
      cadence: 'weekly' as const,
      startDay: weekday,
      startTime: `${String(start.getUTCHours()).padStart(2, '0')}:00`,
      timeZone: 'UTC',
      prizePool: '1000.00',
      prizes: ['600.00', '400.00'],
      minWager: '10.00',
      leadHours: 48,
      start,
    };
  }

  it('validates a template in words and audits every change with the IP', async () => {
    const { start: _s, ...fields } = weeklyStartingIn(30, 'Weekly');
    await expect(asAdmin.admin.raceTemplates.create({ ...fields, startDay: 8 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(
      asAdmin.admin.raceTemplates.create({ ...fields, timeZone: 'Mars/Olympus', prizes: ['500.00'] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const created = await asAdmin.admin.raceTemplates.create(fields);
    await asAdmin.admin.raceTemplates.update({ id: created.id, name: 'Weekly, renamed' });
    await asAdmin.admin.raceTemplates.delete({ id: created.id });
    const audit = await t.deps.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, String(created.id)));
    expect(audit.filter((a) => a.targetType === 'raceTemplate').map((a) => [a.action, a.ip])).toEqual([
      ['raceTemplate.create', '198.51.100.4'],
      ['raceTemplate.update', '198.51.100.4'],
      ['raceTemplate.delete', '198.51.100.4'],
    ]);
  });

  it('makes the next race once when two instances run the scheduler at the same moment', async () => {
    const shared: { first: DbHandle; second: DbHandle; close(): Promise<void> } =
      kind === 'pglite' ? { first: t.handle, second: t.handle, close: async () => {} } : await createSharedTestDb(kind);
    try {
      const user = await insertUser(shared.first.db, { role: 'admin' });
      const caller = t.callerAs({ user });
      const { start, ...fields } = weeklyStartingIn(30, 'Twin');
      const template =
        kind === 'pglite'
          ? await caller.admin.raceTemplates.create(fields)
          : await (async () => {
              const { createTemplate, templateCreateInput } = await import('../src/services/race-templates');
              return createTemplate(
                shared.first.db,
                { userId: user.id, apiKeyId: null, ip: null },
                templateCreateInput.parse(fields),
              );
            })();
      expect(template.nextStartsAt?.toISOString()).toBe(start.toISOString());

      const first = { db: shared.first.db, bus: createInProcessBus() };
      const second = { db: shared.second.db, bus: createInProcessBus() };
      const instances = [first, second];
      const announced: AppEvents['race.changed'][] = [];
      for (const instance of instances) instance.bus.subscribe('race.changed', (e) => announced.push(e));
      // Ten ticks from each instance, all at once.
      const made = await Promise.all(
        Array.from({ length: 20 }, (_, i) => createScheduledRaces(i % 2 === 0 ? first : second)),
      );
      const raceIds = made.flat();
      expect(raceIds).toHaveLength(1);
      expect(announced.map((e) => e.raceId)).toEqual(raceIds);
      const rows = await racesOfTemplate(shared.first.db, template.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.startsAt.toISOString()).toBe(start.toISOString());
      expect(rows[0]?.endsAt.toISOString()).toBe(new Date(start.getTime() + 7 * DAY).toISOString());
      const [race] = await shared.first.db
        .select()
        .from(races)
        .where(eq(races.id, raceIds[0] ?? 0));
      expect(race).toMatchObject({ prizePool: '1000.00', prizeSplit: ['600.00', '400.00'], minWager: '10.00' });
    } finally {
      if (kind !== 'pglite') await shared.close();
    }
  });

  it('makes nothing before the lead time, and an edit changes only the races made after it', async () => {
    const { start, ...fields } = weeklyStartingIn(72, 'Edited');
    const template = await asAdmin.admin.raceTemplates.create({ ...fields, leadHours: 24 });
    const deps = { db: t.deps.db, bus: t.deps.bus };
    expect(await createScheduledRaces(deps)).toEqual([]);

    // 48 hours later the first race is due.
    const [first] = await createScheduledRaces(deps, new Date(start.getTime() - 24 * 3_600_000));
    await asAdmin.admin.raceTemplates.update({ id: template.id, prizePool: '2000.00', prizes: ['2000.00'] });
    const [made] = await t.deps.db
      .select()
      .from(races)
      .where(eq(races.id, first ?? 0));
    expect(made).toMatchObject({ prizePool: '1000.00', prizeSplit: ['600.00', '400.00'] });

    // A week on, the next one carries the new pool.
    const [second] = await createScheduledRaces(deps, new Date(start.getTime() + 6 * DAY + 1000));
    const [next] = await t.deps.db
      .select()
      .from(races)
      .where(eq(races.id, second ?? 0));
    expect(next).toMatchObject({ prizePool: '2000.00', prizeSplit: ['2000.00'] });
    expect(next?.startsAt.toISOString()).toBe(new Date(start.getTime() + 7 * DAY).toISOString());
  });

  it('never overlaps the race already made when the start day changes', async () => {
    const { start, ...fields } = weeklyStartingIn(12, 'Moved');
    const template = await asAdmin.admin.raceTemplates.create(fields);
    const deps = { db: t.deps.db, bus: t.deps.bus };
    expect(await createScheduledRaces(deps)).toHaveLength(1);
    const nextDay = (fields.startDay % 7) + 1;
    await asAdmin.admin.raceTemplates.update({ id: template.id, startDay: nextDay });
    // Within the lead of the moved start, but the first race still runs then: nothing new.
    expect(await createScheduledRaces(deps, new Date(start.getTime() + 1000))).toEqual([]);
    const list = await asAdmin.admin.raceTemplates.list();
    const listed = list.find((x) => x.id === template.id);
    expect(listed?.nextStartsAt?.getTime()).toBeGreaterThanOrEqual(start.getTime() + 7 * DAY);
  });
});
