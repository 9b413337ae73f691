/**
 * Recurring races. A template describes a weekly or monthly window in a time zone, a pool, a
 * split and a minimum wager; `createScheduledRaces` (run by every instance's race clock) makes
 * each race `leadHours` before it starts. "Exactly once" is the database's: races carry their
 * template and start, and `(template_id, starts_at)` is unique, so instances that reach the
 * same moment insert one race between them and only the one whose insert went through
 * announces it. A race keeps the values it was made with: editing a template changes the races
 * made after the edit, never one already scheduled (that one is edited under Races).
 */
import { type Db, schema } from '@goated/db';
import { and, asc, desc, eq, max } from 'drizzle-orm';
import { DateTime, IANAZone, type WeekdayNumbers } from 'luxon';
import { z } from 'zod';
import { InvalidInputError, notFound } from '../errors';
import type { EventBus } from '../events/bus';
import { type AuditActor, recordAudit } from './audit';
import { prizeIssues, raceFields } from './race-admin';

const { raceTemplates, races } = schema;

export const cadences = ['weekly', 'monthly'] as const;
export type Cadence = (typeof cadences)[number];

const templateFields = {
  name: raceFields.name,
  description: raceFields.description,
  cadence: z.enum(cadences),
  /** Weekly: 1 = Monday … 7 = Sunday. Monthly: the day of the month, 1–28 (every month has it). */
  startDay: z.number().int().min(1).max(28),
  startTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time such as 18:00'),
  timeZone: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .refine((zone) => IANAZone.isValidZone(zone), 'must be a time zone such as Europe/Berlin or UTC'),
  prizePool: raceFields.prizePool,
  prizes: raceFields.prizes,
  minWager: raceFields.minWager,
  /** How long before its start each race is created (and announced). */
  leadHours: z.number().int().min(1).max(2000),
  active: z.boolean(),
};

interface TemplateShape {
  cadence?: Cadence | undefined;
  startDay?: number | undefined;
  prizePool?: string | undefined;
  prizes?: string[] | undefined;
}

function templateIssues(t: TemplateShape): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (t.cadence === 'weekly' && t.startDay !== undefined && t.startDay > 7) {
    issues.push({ path: ['startDay'], message: 'must be a weekday from 1 (Monday) to 7 (Sunday)' });
  }
  if (t.prizePool !== undefined && t.prizes !== undefined) issues.push(...prizeIssues(t as Required<TemplateShape>));
  return issues;
}

export const templateCreateInput = z
  .object({
    ...templateFields,
    description: templateFields.description.default(''),
    minWager: templateFields.minWager.default('0'),
    leadHours: templateFields.leadHours.default(48),
    active: templateFields.active.default(true),
  })
  .superRefine((t, ctx) => {
    for (const issue of templateIssues(t)) ctx.addIssue({ code: 'custom', ...issue });
  });

export const templateUpdateInput = z.object({
  id: z.number().int().positive(),
  name: templateFields.name.optional(),
  description: templateFields.description.optional(),
  cadence: templateFields.cadence.optional(),
  startDay: templateFields.startDay.optional(),
  startTime: templateFields.startTime.optional(),
  timeZone: templateFields.timeZone.optional(),
  prizePool: templateFields.prizePool.optional(),
  prizes: templateFields.prizes.optional(),
  minWager: templateFields.minWager.optional(),
  leadHours: templateFields.leadHours.optional(),
  active: templateFields.active.optional(),
});

export const templateIdInput = z.object({ id: z.number().int().positive() });

type TemplateRow = typeof raceTemplates.$inferSelect;

export interface RaceTemplate {
  id: number;
  name: string;
  description: string;
  cadence: Cadence;
  startDay: number;
  startTime: string;
  timeZone: string;
  prizePool: string;
  prizes: string[];
  minWager: string;
  leadHours: number;
  active: boolean;
  /** When the next race from this template will start (null when inactive). */
  nextStartsAt: Date | null;
  /** The latest race made from it, if any. */
  lastRace: { id: number; startsAt: Date; endsAt: Date } | null;
  updatedAt: Date;
}

export interface RaceWindow {
  startsAt: Date;
  endsAt: Date;
}

/**
 * The template's windows whose start is after `after` and at or before `until`, in order.
 * Weekly windows last 7 days, monthly ones a calendar month, both in the template's zone (so a
 * daylight-saving change moves neither the start's wall-clock time nor the end's).
 */
export function occurrences(
  t: Pick<TemplateRow, 'cadence' | 'startDay' | 'startTime' | 'timeZone'>,
  after: Date,
  until: Date,
  max = 12,
): RaceWindow[] {
  const [hour = 0, minute = 0] = t.startTime.split(':').map(Number);
  const from = DateTime.fromJSDate(after, { zone: t.timeZone });
  const at = { hour, minute, second: 0, millisecond: 0 };
  const weekday = Math.min(7, Math.max(1, t.startDay)) as WeekdayNumbers;
  let start: DateTime = t.cadence === 'weekly' ? from.set({ weekday, ...at }) : from.set({ day: t.startDay, ...at });
  const step = (d: DateTime): DateTime =>
    t.cadence === 'weekly' ? d.plus({ weeks: 1 }) : d.plus({ months: 1 }).set({ day: t.startDay, ...at });
  while (start.toMillis() <= after.getTime()) start = step(start);
  const windows: RaceWindow[] = [];
  while (start.toMillis() <= until.getTime() && windows.length < max) {
    windows.push({ startsAt: start.toJSDate(), endsAt: step(start).toJSDate() });
    start = step(start);
  }
  return windows;
}

async function lastRaces(db: Db): Promise<Map<number, { id: number; startsAt: Date; endsAt: Date }>> {
  const rows = await db
    .selectDistinctOn([races.templateId], {
      templateId: races.templateId,
      id: races.id,
      startsAt: races.startsAt,
      endsAt: races.endsAt,
    })
    .from(races)
    .orderBy(races.templateId, desc(races.startsAt));
  const map = new Map<number, { id: number; startsAt: Date; endsAt: Date }>();
  for (const row of rows) if (row.templateId !== null) map.set(row.templateId, row);
  return map;
}

/** The first window that starts after `now` and does not overlap the last race made. */
function nextWindow(t: TemplateRow, now: Date, lastEnd: Date | null): RaceWindow | null {
  const after = lastEnd && lastEnd > now ? new Date(lastEnd.getTime() - 1) : now;
  return occurrences(t, after, new Date(after.getTime() + 400 * 86_400_000), 1)[0] ?? null;
}

function toTemplate(row: TemplateRow, last: RaceTemplate['lastRace'], now: Date): RaceTemplate {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    cadence: row.cadence,
    startDay: row.startDay,
    startTime: row.startTime,
    timeZone: row.timeZone,
    prizePool: row.prizePool,
    prizes: row.prizeSplit,
    minWager: row.minWager,
    leadHours: row.leadHours,
    active: row.active,
    nextStartsAt: row.active ? (nextWindow(row, now, last?.endsAt ?? null)?.startsAt ?? null) : null,
    lastRace: last,
    updatedAt: row.updatedAt,
  };
}

export async function listTemplates(db: Db, now = new Date()): Promise<RaceTemplate[]> {
  const rows = await db.select().from(raceTemplates).orderBy(asc(raceTemplates.id));
  const last = await lastRaces(db);
  return rows.map((row) => toTemplate(row, last.get(row.id) ?? null, now));
}

async function getTemplate(db: Db, id: number, now: Date): Promise<RaceTemplate> {
  const [row] = await db.select().from(raceTemplates).where(eq(raceTemplates.id, id));
  if (!row) throw notFound('Race template');
  const last = await lastRaces(db);
  return toTemplate(row, last.get(id) ?? null, now);
}

function auditable(row: TemplateRow) {
  const { createdAt: _c, updatedAt: _u, createdBy: _b, ...fields } = row;
  return fields;
}

export async function createTemplate(
  db: Db,
  actor: AuditActor,
  input: z.output<typeof templateCreateInput>,
  now = new Date(),
): Promise<RaceTemplate> {
  const row = await db.transaction(async (tx) => {
    const [created] = await tx
      .insert(raceTemplates)
      .values({
        name: input.name,
        description: input.description,
        cadence: input.cadence,
        startDay: input.startDay,
        startTime: input.startTime,
        timeZone: input.timeZone,
        prizePool: input.prizePool,
        prizeSplit: input.prizes,
        minWager: input.minWager,
        leadHours: input.leadHours,
        active: input.active,
        createdBy: actor.userId,
      })
      .returning();
    if (!created) throw new Error('race template insert returned nothing');
    await recordAudit(tx, actor, {
      action: 'raceTemplate.create',
      targetType: 'raceTemplate',
      targetId: created.id,
      details: auditable(created),
    });
    return created;
  });
  return toTemplate(row, null, now);
}

/** Changes the template for the races made from now on; races already made keep theirs. */
export async function updateTemplate(
  db: Db,
  actor: AuditActor,
  input: z.output<typeof templateUpdateInput>,
  now = new Date(),
): Promise<RaceTemplate> {
  const { id, prizes, ...changes } = input;
  await db.transaction(async (tx) => {
    const [current] = await tx.select().from(raceTemplates).where(eq(raceTemplates.id, id)).for('update');
    if (!current) throw notFound('Race template');
    const next = {
      cadence: changes.cadence ?? current.cadence,
      startDay: changes.startDay ?? current.startDay,
      prizePool: changes.prizePool ?? current.prizePool,
      prizes: prizes ?? current.prizeSplit,
    };
    const issues = templateIssues(next);
    if (issues.length > 0) throw new InvalidInputError(issues);
    const [updated] = await tx
      .update(raceTemplates)
      .set({ ...changes, ...(prizes ? { prizeSplit: prizes } : {}), updatedAt: now })
      .where(eq(raceTemplates.id, id))
      .returning();
    if (!updated) throw notFound('Race template');
    await recordAudit(tx, actor, {
      action: 'raceTemplate.update',
      targetType: 'raceTemplate',
      targetId: id,
      details: { before: auditable(current), after: auditable(updated) },
    });
  });
  return getTemplate(db, id, now);
}

/** Stops the series; races already made stay (they lose only their link to the template). */
export async function deleteTemplate(db: Db, actor: AuditActor, id: number): Promise<{ id: number }> {
  await db.transaction(async (tx) => {
    const [deleted] = await tx.delete(raceTemplates).where(eq(raceTemplates.id, id)).returning();
    if (!deleted) throw notFound('Race template');
    await recordAudit(tx, actor, {
      action: 'raceTemplate.delete',
      targetType: 'raceTemplate',
      targetId: id,
      details: auditable(deleted),
    });
  });
  return { id };
}

const SYSTEM: AuditActor = { userId: null, apiKeyId: null, ip: null };

/**
 * Makes every race due within its template's lead time, once. Safe on every instance at once:
 * the insert skips a (template, start) that exists, and only the instance whose insert went
 * through audits and announces the race. Returns the ids of the races this call made.
 */
export async function createScheduledRaces(deps: { db: Db; bus: EventBus }, now = new Date()): Promise<number[]> {
  const templates = await deps.db.select().from(raceTemplates).where(eq(raceTemplates.active, true));
  if (templates.length === 0) return [];
  const lastEnds = await deps.db
    .select({ templateId: races.templateId, lastEnd: max(races.endsAt) })
    .from(races)
    .groupBy(races.templateId);
  const created: number[] = [];
  for (const t of templates) {
    const lastEnd = lastEnds.find((r) => r.templateId === t.id)?.lastEnd ?? null;
    const after = lastEnd && lastEnd > now ? new Date(lastEnd.getTime() - 1) : now;
    const due = occurrences(t, after, new Date(now.getTime() + t.leadHours * 3_600_000));
    for (const window of due) {
      const id = await deps.db.transaction(async (tx) => {
        const [race] = await tx
          .insert(races)
          .values({
            name: `${t.name} · ${DateTime.fromJSDate(window.startsAt, { zone: t.timeZone }).toFormat('d LLL yyyy')}`,
            description: t.description,
            startsAt: window.startsAt,
            endsAt: window.endsAt,
            prizePool: t.prizePool,
            prizeSplit: t.prizeSplit,
            minWager: t.minWager,
            templateId: t.id,
            status: 'upcoming',
            createdBy: t.createdBy,
          })
          .onConflictDoNothing({ target: [races.templateId, races.startsAt] })
          .returning({ id: races.id });
        if (!race) return null;
        await recordAudit(tx, SYSTEM, {
          action: 'race.create',
          targetType: 'race',
          targetId: race.id,
          details: { templateId: t.id, startsAt: window.startsAt.toISOString(), endsAt: window.endsAt.toISOString() },
        });
        return race.id;
      });
      if (id === null) continue;
      created.push(id);
      await deps.bus.publish('race.changed', { raceId: id, status: 'upcoming', at: new Date().toISOString() });
    }
  }
  return created;
}

/** For tests and the overview: races made from a template, oldest first. */
export function racesOfTemplate(db: Db, templateId: number) {
  return db
    .select({ id: races.id, startsAt: races.startsAt, endsAt: races.endsAt, prizePool: races.prizePool })
    .from(races)
    .where(and(eq(races.templateId, templateId)))
    .orderBy(asc(races.startsAt));
}
