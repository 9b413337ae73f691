import { type Db, schema, type Tx } from '@goated/db';
import { centsToDecimal, toCents } from '@goated/validators';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { ConflictError, InvalidInputError, notFound } from '../errors';
import type { EventBus } from '../events/bus';
import { type AuditActor, recordAudit } from './audit';
import { notifyRaceWinners } from './notifications/race-results';
import {
  countRaceParticipants,
  effectiveStatus,
  RACE_RESULTS_KEPT,
  type Race,
  type RaceResult,
  type RaceRow,
  raceResultsOf,
  rankRace,
  toRace,
} from './races';

const { races, raceResults } = schema;

const MAX_WINDOW_DAYS = 366;
const DAY_MS = 86_400_000;

/**
 * Money in and out of the API: a decimal string with at most two places, stored as "12.50".
 * Failures abort, so the cross-field rules below only ever see valid amounts.
 */
export const amount = z
  .string()
  .trim()
  .regex(/^\d{1,15}(\.\d{1,2})?$/, { message: 'must be an amount such as "250.00" (at most 2 decimals)', abort: true })
  .transform((text) => centsToDecimal(toCents(text)))
  .refine((text) => toCents(text) > 0n, { message: 'must be more than 0', abort: true });

/** An amount that may be zero (a minimum wager of "0" means anyone who wagered). */
export const amountOrZero = z
  .string()
  .trim()
  .regex(/^\d{1,15}(\.\d{1,2})?$/, { message: 'must be an amount such as "250.00" (at most 2 decimals)' })
  .transform((text) => centsToDecimal(toCents(text)));

export const raceFields = {
  name: z.string().trim().min(1).max(80),
  description: z.string().trim().max(1000),
  startsAt: z.date(),
  endsAt: z.date(),
  prizePool: amount,
  /** Prize for rank 1, 2, …: non-increasing, summing exactly to the pool. */
  prizes: z.array(amount).min(1, { abort: true }).max(RACE_RESULTS_KEPT, { abort: true }),
  /** Players below this total inside the window are not ranked. */
  minWager: amountOrZero,
};

interface Issue {
  path: (string | number)[];
  message: string;
}

/** The rules every race obeys, whether created or edited. */
function raceRuleIssues(race: { startsAt: Date; endsAt: Date; prizePool: string; prizes: string[] }): Issue[] {
  const issues: Issue[] = [];
  if (race.endsAt.getTime() <= race.startsAt.getTime()) {
    issues.push({ path: ['endsAt'], message: 'must be after the start' });
  } else if (race.endsAt.getTime() - race.startsAt.getTime() > MAX_WINDOW_DAYS * DAY_MS) {
    issues.push({ path: ['endsAt'], message: `must be at most ${MAX_WINDOW_DAYS} days after the start` });
  }
  issues.push(...prizeIssues(race));
  return issues;
}

/** The split: non-increasing, adding up to the pool exactly (races and race templates). */
export function prizeIssues(race: { prizePool: string; prizes: string[] }): Issue[] {
  const issues: Issue[] = [];
  const cents = race.prizes.map(toCents);
  cents.forEach((prize, i) => {
    const better = cents[i - 1];
    if (better !== undefined && prize > better) {
      issues.push({ path: ['prizes', i], message: `must not be more than the prize for rank ${i}` });
    }
  });
  // Exact: integer cents, no float ever adds these up.
  const sum = cents.reduce((a, b) => a + b, 0n);
  if (sum !== toCents(race.prizePool)) {
    issues.push({
      path: ['prizes'],
      message: `must add up to the prize pool exactly: they sum to ${centsToDecimal(sum)}, the pool is ${race.prizePool}`,
    });
  }
  return issues;
}

export const raceCreateInput = z
  .object({
    ...raceFields,
    description: raceFields.description.default(''),
    minWager: raceFields.minWager.default('0'),
  })
  .superRefine((race, ctx) => {
    if (race.startsAt.getTime() <= Date.now()) {
      ctx.addIssue({ code: 'custom', path: ['startsAt'], message: 'must be in the future' });
    }
    for (const issue of raceRuleIssues(race)) ctx.addIssue({ code: 'custom', ...issue });
  });

export const raceUpdateInput = z
  .object({
    raceId: z.number().int().positive(),
    name: raceFields.name.optional(),
    description: raceFields.description.optional(),
    startsAt: raceFields.startsAt.optional(),
    endsAt: raceFields.endsAt.optional(),
    prizePool: raceFields.prizePool.optional(),
    prizes: raceFields.prizes.optional(),
    minWager: raceFields.minWager.optional(),
  })
  .refine((input) => Object.keys(input).some((key) => key !== 'raceId'), {
    message: 'nothing to change: give at least one field',
    path: [],
  });

export const raceFinalizeInput = z.object({ raceId: z.number().int().positive() });
export const raceCancelInput = z.object({ raceId: z.number().int().positive() });

/** Who performs an admin action (user or API key, and from where), as the audit log records it. */
export type Actor = AuditActor;

export interface RaceAdminDeps {
  db: Db;
  bus: EventBus;
}

function audit(tx: Tx, actor: Actor, action: string, raceId: number, details: Record<string, unknown>) {
  return recordAudit(tx, actor, { action, targetType: 'race', targetId: raceId, details });
}

/** The race row, locked until the transaction ends: admin actions and finalization queue up. */
async function lockRace(tx: Tx, raceId: number): Promise<RaceRow> {
  const [row] = await tx.select().from(races).where(eq(races.id, raceId)).for('update');
  if (!row) throw notFound('Race');
  return row;
}

async function announce(bus: EventBus, race: Pick<RaceRow, 'id' | 'status'>): Promise<void> {
  await bus.publish('race.changed', { raceId: race.id, status: race.status, at: new Date().toISOString() });
}

function auditable(
  race: Pick<RaceRow, 'name' | 'description' | 'startsAt' | 'endsAt' | 'prizePool' | 'prizeSplit' | 'minWager'>,
) {
  return {
    minWager: race.minWager,
    name: race.name,
    description: race.description,
    startsAt: race.startsAt.toISOString(),
    endsAt: race.endsAt.toISOString(),
    prizePool: race.prizePool,
    prizes: race.prizeSplit,
  };
}

export async function createRace(
  deps: RaceAdminDeps,
  actor: Actor,
  input: z.output<typeof raceCreateInput>,
  now = new Date(),
): Promise<Race> {
  const row = await deps.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(races)
      .values({
        name: input.name,
        description: input.description,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        prizePool: input.prizePool,
        prizeSplit: input.prizes,
        minWager: input.minWager,
        status: 'upcoming',
        createdBy: actor.userId,
      })
      .returning();
    if (!created) throw new Error('race insert returned nothing');
    await audit(tx, actor, 'race.create', created.id, auditable(created));
    return created;
  });
  await announce(deps.bus, row);
  return toRace(row, now);
}

/**
 * Edits a race without rewriting its history: before the start anything may change (a new
 * start still in the future); once live, the start and the prizes are fixed (wagers already
 * count, players race for the announced prizes) and the end may only move within the future;
 * after the end nothing changes.
 */
export async function updateRace(
  deps: RaceAdminDeps,
  actor: Actor,
  input: z.output<typeof raceUpdateInput>,
  now = new Date(),
): Promise<Race> {
  const { raceId, ...changes } = input;
  const row = await deps.db.transaction(async (tx) => {
    const race = await lockRace(tx, raceId);
    const status = effectiveStatus(race, now);
    if (status === 'completed' || status === 'cancelled')
      throw new ConflictError(`The race is ${status}: it cannot be edited`);
    if (race.endsAt <= now) throw new ConflictError('The race has ended: its results are being frozen');

    const next = {
      name: changes.name ?? race.name,
      description: changes.description ?? race.description,
      startsAt: changes.startsAt ?? race.startsAt,
      endsAt: changes.endsAt ?? race.endsAt,
      prizePool: changes.prizePool ?? race.prizePool,
      prizes: changes.prizes ?? race.prizeSplit,
      minWager: changes.minWager ?? race.minWager,
    };
    const issues: Issue[] = [];
    const startMoves = changes.startsAt !== undefined && changes.startsAt.getTime() !== race.startsAt.getTime();
    if (status === 'live') {
      const started = 'cannot change once the race is live: it would rewrite the race so far';
      if (startMoves) issues.push({ path: ['startsAt'], message: started });
      if (changes.prizePool !== undefined && toCents(changes.prizePool) !== toCents(race.prizePool)) {
        issues.push({ path: ['prizePool'], message: started });
      }
      if (changes.prizes !== undefined && changes.prizes.join() !== race.prizeSplit.join()) {
        issues.push({ path: ['prizes'], message: started });
      }
      if (changes.minWager !== undefined && toCents(changes.minWager) !== toCents(race.minWager)) {
        issues.push({ path: ['minWager'], message: started });
      }
    } else if (startMoves && next.startsAt <= now) {
      issues.push({ path: ['startsAt'], message: 'must be in the future' });
    }
    if (changes.endsAt !== undefined && next.endsAt <= now)
      issues.push({ path: ['endsAt'], message: 'must be in the future' });
    issues.push(...raceRuleIssues(next));
    if (issues.length > 0) throw new InvalidInputError(issues);

    const [updated] = await tx
      .update(races)
      .set({
        name: next.name,
        description: next.description,
        startsAt: next.startsAt,
        endsAt: next.endsAt,
        prizePool: next.prizePool,
        prizeSplit: next.prizes,
        minWager: next.minWager,
        updatedAt: now,
      })
      .where(eq(races.id, raceId))
      .returning();
    if (!updated) throw notFound('Race');
    await audit(tx, actor, 'race.update', raceId, { before: auditable(race), after: auditable(updated) });
    return updated;
  });
  await announce(deps.bus, row);
  return toRace(row, now);
}

/** Calls a race off before it is decided. Cancelling a cancelled race changes nothing. */
export async function cancelRace(deps: RaceAdminDeps, actor: Actor, raceId: number, now = new Date()): Promise<Race> {
  const { row, changed } = await deps.db.transaction(async (tx) => {
    const race = await lockRace(tx, raceId);
    if (race.status === 'cancelled') return { row: race, changed: false };
    if (race.status === 'completed') throw new ConflictError('The race is completed: its results are final');
    const [cancelled] = await tx
      .update(races)
      .set({ status: 'cancelled', updatedAt: now })
      .where(eq(races.id, raceId))
      .returning();
    if (!cancelled) throw notFound('Race');
    await audit(tx, actor, 'race.cancel', raceId, { previousStatus: effectiveStatus(race, now) });
    return { row: cancelled, changed: true };
  });
  if (changed) await announce(deps.bus, row);
  return toRace(row, now);
}

export interface RaceFinalization {
  race: Race;
  /** The frozen results, best first (at most RACE_RESULTS_KEPT ranks). */
  results: RaceResult[];
  /** Prize money nobody won: the results' prizes plus this equal the pool exactly. */
  unawarded: string;
  /** False when the race had already been finalized (by another call or instance). */
  finalizedNow: boolean;
}

/**
 * Freezes a race's results and prizes, exactly once. The race row is locked (`FOR UPDATE`)
 * for the whole transaction, so concurrent calls — an admin, and the scheduler of every
 * instance reaching `ends_at` — queue up: the first writes the results and marks the race
 * completed; the others find it completed and return those same results. The results'
 * primary key (race, rank) would refuse a second set even if that ever failed. Announces the
 * winners once, from the call that froze them. `actor` null means the scheduler.
 */
export async function finalizeRace(
  deps: RaceAdminDeps,
  actor: Actor | null,
  raceId: number,
  now = new Date(),
): Promise<RaceFinalization> {
  const outcome = await deps.db.transaction(async (tx) => {
    const race = await lockRace(tx, raceId);
    if (race.status === 'completed') {
      return { row: race, results: await raceResultsOf(tx, raceId, RACE_RESULTS_KEPT), finalizedNow: false };
    }
    if (race.status === 'cancelled') throw new ConflictError('The race was cancelled: it has no results');
    if (now < race.endsAt)
      throw new ConflictError(`The race ends at ${race.endsAt.toISOString()}: finalize it after that`);

    const results = await rankRace(tx, race, RACE_RESULTS_KEPT);
    const participants = await countRaceParticipants(tx, race);
    if (results.length > 0) {
      await tx.insert(raceResults).values(
        results.map((r) => ({
          raceId,
          rank: r.rank,
          playerUid: r.uid,
          playerName: r.name,
          wagered: r.wagered,
          prize: r.prize,
        })),
      );
    }
    // Conditional, as a second guard: only a race still open moves to completed.
    const [completed] = await tx
      .update(races)
      .set({ status: 'completed', finalizedAt: now, updatedAt: now, participants })
      .where(and(eq(races.id, raceId), inArray(races.status, ['upcoming', 'live'])))
      .returning();
    if (!completed) throw new ConflictError('The race was finalized concurrently');
    if (actor) await audit(tx, actor, 'race.finalize', raceId, { results: results.length });
    return { row: completed, results, finalizedNow: true };
  });

  const awarded = outcome.results.reduce((sum, r) => sum + toCents(r.prize), 0n);
  const unawarded = centsToDecimal(toCents(outcome.row.prizePool) - awarded);
  if (outcome.finalizedNow) {
    const at = new Date().toISOString();
    await announce(deps.bus, outcome.row);
    const winners = outcome.results.filter((r) => r.rank <= outcome.row.prizeSplit.length);
    await deps.bus.publish('race.finished', {
      raceId,
      name: outcome.row.name,
      prizePool: outcome.row.prizePool,
      winners,
      unawarded,
      at,
    });
    // Only the call that froze the results tells the winners, so each hears it once.
    await notifyRaceWinners(deps, { raceId, name: outcome.row.name, winners });
  }
  return { race: toRace(outcome.row, now), results: outcome.results, unawarded, finalizedNow: outcome.finalizedNow };
}
