/**
 * The admin overview: KPIs for the last 7 / 30 / 90 UTC days beside the period before, and the
 * daily series behind the charts. Every series reads a daily rollup kept by triggers inside the
 * writers' transactions (migration 0006): `wager_day_totals`, `sync_run_days`, `activity_days`
 * (sign-ups, bonus claims, challenge entries) and `connection_days` — at most a row per day and
 * kind, so the cost grows with the days shown, not with players, users, claims or samples.
 * Answers are cached per server for a minute.
 */
import { type ActivityKind, type Db, queryRows, schema } from '@goated/db';
import { centsToDecimal, toCents } from '@goated/validators';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppDeps } from '../context';
import { QueryCache } from '../live/query-cache';

const { connectionSamples } = schema;
const DAY_MS = 86_400_000;

export const overviewInput = z.object({
  days: z.union([z.literal(7), z.literal(30), z.literal(90)], { message: 'must be 7, 30 or 90' }),
});

export interface OverviewDay {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  wagered: string;
  activePlayers: number;
  signUps: number;
  bonusClaims: number;
  challengeEntries: number;
  syncRuns: number;
  syncFailed: number;
  /** Mean duration of the day's finished runs (null without runs). */
  syncAvgDurationMs: number | null;
  recordsIn: number;
  recordsApplied: number;
  recordsRejected: number;
  /** Highest number of open WebSocket connections seen (all instances together), null without samples. */
  peakConnections: number | null;
}

export interface Kpi {
  value: number;
  previous: number;
  /** Relative change from the previous period (0.25 = +25 %); null when the previous was 0. */
  change: number | null;
}

export interface Overview {
  days: number;
  /** First and last day of the period (UTC). */
  from: string;
  to: string;
  kpis: {
    /** Exact decimal strings beside their change. */
    wagered: { value: string; previous: string; change: number | null };
    /** Mean of the daily active players (wagered > 0). */
    activePlayers: Kpi;
    signUps: Kpi;
    claims: Kpi;
    raceParticipants: Kpi;
    syncRuns: Kpi;
    /** Failed runs / runs, 0–1. */
    syncErrorRate: Kpi;
    peakConnections: Kpi;
  };
  series: OverviewDay[];
  /** Races that ended in the period, with the players they ranked. */
  races: { id: number; name: string; endsAt: Date; participants: number | null; prizePool: string }[];
  generatedAt: Date;
}

const utcDay = (date: Date) => date.toISOString().slice(0, 10);

function change(value: number, previous: number): number | null {
  if (previous === 0) return null;
  return Math.round(((value - previous) / previous) * 1000) / 1000;
}

function kpi(value: number, previous: number): Kpi {
  return { value, previous, change: change(value, previous) };
}

interface Rollups extends Record<string, unknown> {
  wager: { day: string; wagered: string; activePlayers: number }[] | null;
  sync:
    | {
        day: string;
        runs: number;
        failed: number;
        durationMs: number;
        recordsIn: number;
        recordsOut: number;
        recordsSkipped: number;
      }[]
    | null;
  activity: { kind: ActivityKind; day: string; count: number }[] | null;
  connections: { day: string; peak: number }[] | null;
  races: { id: number; name: string; endsAt: string; participants: number | null; prizePool: string }[] | null;
}

/**
 * Every rollup of the days from `sinceDay` on, and the races that ended since `since`, in ONE
 * statement: each query is cheap, so on a busy machine the time goes to waiting for a database
 * process to be scheduled, once per statement (five parallel queries: p99 10–75 ms under load;
 * one: 4–10 ms). Amounts travel as text, so they stay exact decimals.
 */
async function readRollups(db: Db, sinceDay: string, since: Date): Promise<Rollups> {
  const [row] = await queryRows<Rollups>(
    db,
    sql`select
      (select json_agg(json_build_object('day', day, 'wagered', wagered::text, 'activePlayers', active_players))
         from wager_day_totals where day >= ${sinceDay}::date) as wager,
      (select json_agg(json_build_object('day', day, 'runs', runs, 'failed', failed, 'durationMs', duration_ms,
                'recordsIn', records_in, 'recordsOut', records_out, 'recordsSkipped', records_skipped))
         from sync_run_days where day >= ${sinceDay}::date) as sync,
      (select json_agg(json_build_object('kind', kind, 'day', day, 'count', count))
         from activity_days where day >= ${sinceDay}::date) as activity,
      (select json_agg(json_build_object('day', day, 'peak', peak))
         from connection_days where day >= ${sinceDay}::date) as connections,
      (select json_agg(json_build_object('id', id, 'name', name, 'endsAt', ends_at, 'participants', participants,
                'prizePool', prize_pool::text) order by ends_at)
         from races where status = 'completed' and ends_at >= ${since.toISOString()}::timestamptz) as races`,
  );
  if (!row) throw new Error('the overview query returned no row');
  return row;
}

/** Computes the overview (uncached). `now` fixes "today" for tests. */
export async function computeOverview(db: Db, days: number, now = new Date()): Promise<Overview> {
  const today = new Date(`${utcDay(now)}T00:00:00Z`);
  const start = new Date(today.getTime() - (days - 1) * DAY_MS);
  const since = new Date(start.getTime() - days * DAY_MS); // the previous period too
  const rollups = await readRollups(db, utcDay(since), since);
  const ended = (rollups.races ?? []).map((r) => ({ ...r, endsAt: new Date(r.endsAt) }));
  const wagerBy = new Map((rollups.wager ?? []).map((w) => [w.day, w]));
  const syncBy = new Map((rollups.sync ?? []).map((s) => [s.day, s]));
  const activityBy = new Map((rollups.activity ?? []).map((a) => [`${a.kind} ${a.day}`, a.count]));
  const count = (kind: ActivityKind, day: string) => activityBy.get(`${kind} ${day}`) ?? 0;
  const connectionsBy = new Map((rollups.connections ?? []).map((c) => [c.day, c.peak]));

  const all: OverviewDay[] = [];
  for (let t = since.getTime(); t <= today.getTime(); t += DAY_MS) {
    const day = utcDay(new Date(t));
    const w = wagerBy.get(day);
    const s = syncBy.get(day);
    all.push({
      day,
      wagered: w?.wagered ?? '0.00',
      activePlayers: w?.activePlayers ?? 0,
      signUps: count('sign_ups', day),
      bonusClaims: count('bonus_claims', day),
      challengeEntries: count('challenge_entries', day),
      syncRuns: s?.runs ?? 0,
      syncFailed: s?.failed ?? 0,
      syncAvgDurationMs: s && s.runs > 0 ? Math.round(Number(s.durationMs) / s.runs) : null,
      recordsIn: Number(s?.recordsIn ?? 0),
      recordsApplied: Number(s?.recordsOut ?? 0),
      recordsRejected: Number(s?.recordsSkipped ?? 0),
      peakConnections: connectionsBy.get(day) ?? null,
    });
  }
  const previous = all.slice(0, days);
  const series = all.slice(days);
  const sum = (list: OverviewDay[], pick: (d: OverviewDay) => number) => list.reduce((a, d) => a + pick(d), 0);
  const cents = (list: OverviewDay[]) => list.reduce((a, d) => a + toCents(d.wagered), 0n);
  const meanActive = (list: OverviewDay[]) => Math.round(sum(list, (d) => d.activePlayers) / list.length);
  const errorRate = (list: OverviewDay[]) => {
    const runs = sum(list, (d) => d.syncRuns);
    return runs === 0 ? 0 : Math.round((sum(list, (d) => d.syncFailed) / runs) * 1000) / 1000;
  };
  const peak = (list: OverviewDay[]) => Math.max(0, ...list.map((d) => d.peakConnections ?? 0));
  const participants = (from: Date, to: Date) =>
    ended.filter((r) => r.endsAt >= from && r.endsAt < to).reduce((a, r) => a + (r.participants ?? 0), 0);
  const wageredNow = cents(series);
  const wageredBefore = cents(previous);
  const end = new Date(today.getTime() + DAY_MS);

  return {
    days,
    from: utcDay(start),
    to: utcDay(today),
    kpis: {
      wagered: {
        value: centsToDecimal(wageredNow),
        previous: centsToDecimal(wageredBefore),
        change: change(Number(wageredNow), Number(wageredBefore)),
      },
      activePlayers: kpi(meanActive(series), meanActive(previous)),
      signUps: kpi(
        sum(series, (d) => d.signUps),
        sum(previous, (d) => d.signUps),
      ),
      claims: kpi(
        sum(series, (d) => d.bonusClaims + d.challengeEntries),
        sum(previous, (d) => d.bonusClaims + d.challengeEntries),
      ),
      raceParticipants: kpi(participants(start, end), participants(since, start)),
      syncRuns: kpi(
        sum(series, (d) => d.syncRuns),
        sum(previous, (d) => d.syncRuns),
      ),
      syncErrorRate: kpi(errorRate(series), errorRate(previous)),
      peakConnections: kpi(peak(series), peak(previous)),
    },
    series,
    races: ended.filter((r) => r.endsAt >= start),
    generatedAt: now,
  };
}

const caches = new WeakMap<object, QueryCache<Overview>>();
/** How long a computed overview is served before it is computed again. */
export const OVERVIEW_CACHE_MS = 60_000;

/** `admin.analytics.overview`: computed at most once a minute per period on each server. */
export function cachedOverview(deps: Pick<AppDeps, 'db'>, days: number): Promise<Overview> {
  let cache = caches.get(deps.db);
  if (!cache) {
    cache = new QueryCache<Overview>({ maxEntries: 3, maxAgeMs: OVERVIEW_CACHE_MS });
    caches.set(deps.db, cache);
  }
  return cache.get(String(days), () => computeOverview(deps.db, days));
}

/** One instance's connection counters at a moment (stored every few minutes by the server). */
export async function recordConnectionSample(
  db: Db,
  sample: { at: Date; instance: string; connections: number; subscriptions: number; sseStreams: number },
  keepDays = 100,
): Promise<void> {
  await db.insert(connectionSamples).values(sample).onConflictDoNothing();
  await db
    .delete(connectionSamples)
    .where(
      sql`${connectionSamples.at} < ${new Date(sample.at.getTime() - keepDays * DAY_MS).toISOString()}::timestamptz`,
    );
}
