import { schema } from '@goated/db';
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { Logger } from '../logger';
import { finalizeRace, type RaceAdminDeps } from './race-admin';
import { createScheduledRaces } from './race-templates';

const { races } = schema;

/** Races finalized per tick at most; the rest wait for the next tick. */
const FINALIZE_BATCH = 20;

export interface RaceTickResult {
  /** Races this call made from recurring templates (see race-templates.ts). */
  created: number[];
  /** Races this call moved from upcoming to live. */
  started: number[];
  /** Races this call finalized (not those another instance or call finalized first). */
  finalized: number[];
  /** `raceId` 0: making the templates' races failed. */
  failed: { raceId: number; error: unknown }[];
}

/**
 * Moves races along by the clock: upcoming → live once started, live → completed once ended.
 * Safe to run on every instance at once: the start is a conditional UPDATE (only rows still
 * `upcoming` change, so only one instance sees each race start and announces it), and
 * finalization locks the race row and writes results only if it is still open.
 */
export async function raceTick(deps: RaceAdminDeps, now = new Date()): Promise<RaceTickResult> {
  const failed: RaceTickResult['failed'] = [];
  // Templates first: a race due to start now is made, then started, in the same tick.
  const created = await createScheduledRaces(deps, now).catch((error: unknown) => {
    failed.push({ raceId: 0, error });
    return [];
  });
  const started = await deps.db
    .update(races)
    .set({ status: 'live', updatedAt: now })
    .where(and(eq(races.status, 'upcoming'), lte(races.startsAt, now)))
    .returning({ id: races.id });
  for (const { id } of started) {
    await deps.bus.publish('race.changed', { raceId: id, status: 'live', at: now.toISOString() });
  }

  const due = await deps.db
    .select({ id: races.id })
    .from(races)
    .where(and(inArray(races.status, ['upcoming', 'live']), lte(races.endsAt, now)))
    .orderBy(asc(races.endsAt), asc(races.id))
    .limit(FINALIZE_BATCH);
  const finalized: number[] = [];
  for (const { id } of due) {
    try {
      const outcome = await finalizeRace(deps, null, id, now);
      if (outcome.finalizedNow) finalized.push(id);
    } catch (error) {
      // One race failing (e.g. cancelled meanwhile) must not hold up the others.
      failed.push({ raceId: id, error });
    }
  }
  return { created, started: started.map((r) => r.id), finalized, failed };
}

export interface RaceScheduler {
  /** Runs a tick now (and keeps the schedule); resolves when it is done. */
  tickNow(): Promise<RaceTickResult>;
  stop(): Promise<void>;
}

/** The scheduler's dependencies: a tick's failures and the races it moved go to `log`. */
export interface RaceSchedulerDeps extends RaceAdminDeps {
  log?: Logger | undefined;
}

/**
 * Runs `raceTick` every `intervalMs` (never overlapping itself), so races start and finish
 * within one interval of their times without anyone calling anything. `stop()` waits for a
 * tick in progress, so shutdown never cuts a finalization short.
 */
export function scheduleRaces(
  deps: RaceSchedulerDeps,
  intervalMs: number,
  onTick?: (result: RaceTickResult) => void,
): RaceScheduler {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<RaceTickResult> | undefined;

  const run = (): Promise<RaceTickResult> => {
    clearTimeout(timer);
    const tick = (current ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => raceTick(deps))
      .then(
        (result) => {
          for (const f of result.failed) deps.log?.warn({ err: f.error }, 'race scheduler tick failed');
          if (result.started.length > 0 || result.finalized.length > 0) {
            deps.log?.info({ races: result }, 'races moved on');
          }
          onTick?.(result);
          return result;
        },
        (error: unknown) => {
          deps.log?.warn({ err: error }, 'race scheduler tick failed');
          return { created: [], started: [], finalized: [], failed: [] };
        },
      )
      .finally(() => {
        if (!stopped && current === tick) timer = setTimeout(run, intervalMs);
      });
    current = tick;
    return tick;
  };
  timer = setTimeout(run, 0);

  return {
    tickNow: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
