/**
 * Output schemas of the procedures that are also REST endpoints (`.output()` in their routers):
 * the OpenAPI document describes these, and tRPC checks every answer against them. Each is
 * pinned to its service's TypeScript type below, both ways — a field the service adds or drops
 * without the schema following is a compile error (the schema would otherwise strip it).
 */

import { periodSchema } from '@goated/validators';
import { z } from 'zod';
import type { LeaderboardPage, LeaderboardPosition } from '../services/leaderboard';
import type { Mvps } from '../services/mvps';
import type { PlayerHistory, PlayerProfile } from '../services/players';
import { type Race, type RacePage, type RaceStandings, type RaceSummary, raceStatuses } from '../services/races';
import type { SyncRunResult } from '../services/sync/results';
import type { SyncStatus } from '../services/sync/runs';
import type { TierBadge, TierProgress, VipTier } from '../services/vip';

const decimal = z.string().meta({ description: 'An exact decimal amount in USD, e.g. "1234.56"', example: '1234.56' });
const time = z.date().meta({ description: 'ISO 8601 time (UTC)', format: 'date-time' });
const rank = z.number().int().min(1);

const colour = z.string().meta({ description: 'A colour written #rrggbb', example: '#e3b341' });

export const tierBadgeOutput = z
  .object({
    rank: rank.meta({ description: '1 for the lowest tier, counting up' }),
    name: z.string(),
    colour,
  })
  .meta({ id: 'TierBadge', description: "The player's VIP tier, by all-time wager" });

export const vipTierOutput = z
  .object({
    rank: rank.meta({ description: '1 for the lowest tier, counting up' }),
    name: z.string(),
    threshold: decimal.meta({ description: 'All-time wager at which a player reaches the tier' }),
    colour,
  })
  .meta({ id: 'VipTier' });

const tierProgressOutput = z
  .object({
    next: z.object({ name: z.string(), threshold: decimal, colour }).nullable(),
    remaining: decimal.nullable().meta({ description: 'Left to wager to reach the next tier; null at the top' }),
    progress: z.number().min(0).max(1).meta({ description: 'From the current tier to the next, 0..1 (1 at the top)' }),
  })
  .meta({ id: 'TierProgress' });

const leaderboardEntry = z.object({ rank, uid: z.string(), name: z.string(), wagered: decimal, tier: tierBadgeOutput });

export const leaderboardPageOutput = z
  .object({
    period: periodSchema,
    entries: z.array(leaderboardEntry),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last' }),
    generatedAt: time,
  })
  .meta({ id: 'LeaderboardPage' });

export const leaderboardPositionOutput = z
  .object({
    period: periodSchema,
    player: z.object({
      uid: z.string(),
      name: z.string(),
      wagered: decimal,
      rank: rank.nullable().meta({ description: 'null when the player has no wager in the period' }),
      tier: tierBadgeOutput,
    }),
    above: z.array(leaderboardEntry),
    below: z.array(leaderboardEntry),
  })
  .meta({ id: 'LeaderboardPosition' });

const mvpOutput = z
  .object({ uid: z.string(), name: z.string(), wagered: decimal, tier: tierBadgeOutput })
  .nullable()
  .meta({ description: "The period's #1 (their wager in the period); null when nobody wagered yet" });

export const mvpsOutput = z
  .object({ today: mvpOutput, week: mvpOutput, month: mvpOutput, generatedAt: time })
  .meta({ id: 'Mvps' });

export const raceOutput = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    startsAt: time,
    endsAt: time,
    prizePool: decimal,
    prizes: z.array(z.object({ rank, prize: decimal })),
    status: z.enum(raceStatuses),
    finalizedAt: time.nullable(),
    minWager: decimal.meta({ description: 'Least wager inside the window to be ranked ("0.00": none)' }),
    templateId: z.number().int().nullable().meta({ description: 'The recurring race template it was made from' }),
    participants: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Players ranked when the race was finalized; null before' }),
  })
  .meta({ id: 'Race' });

const raceResultOutput = z.object({ rank, uid: z.string(), name: z.string(), wagered: decimal, prize: decimal });

export const raceSummaryOutput = raceOutput
  .extend({
    winners: z
      .array(raceResultOutput)
      .meta({ description: "A completed race's top 3, best first; empty for other races" }),
  })
  .meta({ id: 'RaceSummary' });

export const racePageOutput = z
  .object({
    races: z.array(raceSummaryOutput),
    nextCursor: z.number().int().nullable().meta({ description: 'Pass as `cursor` for the next page' }),
  })
  .meta({ id: 'RacePage' });

export const raceStandingsOutput = z
  .object({
    raceId: z.number().int(),
    status: z.enum(raceStatuses),
    startsAt: time,
    endsAt: time,
    final: z.boolean().meta({ description: 'true once the race is finalized: frozen results' }),
    standings: z.array(raceResultOutput.extend({ tier: tierBadgeOutput })),
    generatedAt: time,
  })
  .meta({ id: 'RaceStandings' });

const periodStats = z.object({ wagered: decimal, rank: rank.nullable() });

export const playerProfileOutput = z
  .object({
    uid: z.string(),
    name: z.string(),
    periods: z.object({ today: periodStats, week: periodStats, month: periodStats, all: periodStats }),
    races: z.array(
      z.object({
        raceId: z.number().int(),
        name: z.string(),
        endsAt: time,
        wagered: decimal,
        rank: rank.nullable(),
        prize: decimal,
      }),
    ),
    upstreamUpdatedAt: time,
    tier: tierBadgeOutput,
    tierProgress: tierProgressOutput,
  })
  .meta({ id: 'PlayerProfile' });

export const playerHistoryOutput = z
  .object({
    uid: z.string(),
    days: z.array(z.object({ day: z.string().meta({ description: 'UTC day, YYYY-MM-DD' }), wagered: decimal })),
  })
  .meta({ id: 'PlayerHistory' });

const syncTrigger = z.enum(['schedule', 'manual', 'ingest']);

export const syncRunResultOutput = z
  .object({
    runId: z.number().int().meta({ description: '0 when the run was skipped' }),
    status: z.enum(['succeeded', 'failed', 'skipped']),
    trigger: syncTrigger,
    source: z.string(),
    recordsIn: z.number().int(),
    recordsOut: z.number().int(),
    recordsSkipped: z.number().int(),
    changedPlayers: z.number().int(),
    staleRecords: z.number().int(),
    knownUnchanged: z.number().int(),
    durationMs: z.number(),
    phases: z.object({ fetchMs: z.number(), validateMs: z.number(), applyMs: z.number() }).optional(),
    rejected: z
      .array(z.object({ index: z.number().int(), uid: z.string().nullable(), reason: z.string() }))
      .meta({ description: 'Why records were skipped (the first 100)' }),
    error: z.string().optional(),
  })
  .meta({ id: 'SyncRunResult' });

export const syncStatusOutput = z
  .object({
    source: z.string(),
    scheduled: z.boolean(),
    intervalMs: z.number().int().nullable(),
    nextRunAt: time.nullable(),
    running: z.boolean(),
    lastRuns: z.array(
      z.object({
        id: z.number().int(),
        trigger: syncTrigger,
        source: z.string(),
        status: z.enum(['running', 'succeeded', 'failed', 'skipped']),
        startedAt: time,
        finishedAt: time.nullable(),
        recordsIn: z.number().int(),
        recordsOut: z.number().int(),
        recordsSkipped: z.number().int(),
        error: z.string().nullable(),
      }),
    ),
    lastSuccessAt: time.nullable(),
    lastError: z.object({ runId: z.number().int(), at: time, message: z.string() }).nullable(),
  })
  .meta({ id: 'SyncStatus' });

/** True when A and B are assignable to each other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
function pin<_T extends true>(): void {}
pin<Same<z.output<typeof leaderboardPageOutput>, LeaderboardPage>>();
pin<Same<z.output<typeof leaderboardPositionOutput>, LeaderboardPosition>>();
pin<Same<z.output<typeof raceOutput>, Race>>();
pin<Same<z.output<typeof racePageOutput>, RacePage>>();
pin<Same<z.output<typeof raceSummaryOutput>, RaceSummary>>();
pin<Same<z.output<typeof raceStandingsOutput>, RaceStandings>>();
pin<Same<z.output<typeof playerProfileOutput>, PlayerProfile>>();
pin<Same<z.output<typeof playerHistoryOutput>, PlayerHistory>>();
pin<Same<z.output<typeof syncRunResultOutput>, SyncRunResult>>();
pin<Same<z.output<typeof syncStatusOutput>, SyncStatus>>();
pin<Same<z.output<typeof tierBadgeOutput>, TierBadge>>();
pin<Same<z.output<typeof tierProgressOutput>, TierProgress>>();
pin<Same<z.output<typeof vipTierOutput>, VipTier>>();
pin<Same<z.output<typeof mvpsOutput>, Mvps>>();
