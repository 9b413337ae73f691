import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { cachedRaceStandings, raceUpdates } from '../live/live';
import { racePageOutput, raceStandingsOutput, raceSummaryOutput } from '../rest/outputs';
import { actorOf } from '../services/audit';
import {
  cancelRace,
  createRace,
  finalizeRace,
  raceCancelInput,
  raceCreateInput,
  raceFinalizeInput,
  raceUpdateInput,
  updateRace,
} from '../services/race-admin';
import { getRace, listRaces, raceIdInput, raceListInput, raceStandingsInput } from '../services/races';
import { adminProcedure, publicProcedure } from '../trpc';

const onUpdateInput = raceStandingsInput.extend({
  // Sent back by reconnecting clients; standings resume with their current state.
  lastEventId: z.string().nullish(),
});

export const racesRouter = {
  list: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/races',
        tags: ['races'],
        protect: false,
        summary: 'Races, newest first, by status',
      },
    })
    .input(raceListInput)
    .output(racePageOutput)
    .query(({ ctx, input }) => listRaces(ctx.db, input)),
  get: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/races/{raceId}', tags: ['races'], protect: false, summary: 'One race' } })
    .input(raceIdInput)
    .output(raceSummaryOutput)
    .query(({ ctx, input }) => getRace(ctx.db, input.raceId)),
  standings: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/races/{raceId}/standings',
        tags: ['races'],
        protect: false,
        summary: "A race's standings (its frozen results once finalized)",
      },
    })
    .input(raceStandingsInput)
    .output(raceStandingsOutput)
    .query(({ ctx, input }) => cachedRaceStandings(ctx, input)),

  /** The standings now, then again whenever they change (coalesced like the leaderboard). */
  onUpdate: publicProcedure
    .meta({ sharedStream: true })
    .input(onUpdateInput)
    .subscription(({ ctx, input, signal }) => raceUpdates(ctx, input, signal)),

  create: adminProcedure.input(raceCreateInput).mutation(({ ctx, input }) => createRace(ctx, actorOf(ctx), input)),
  update: adminProcedure.input(raceUpdateInput).mutation(({ ctx, input }) => updateRace(ctx, actorOf(ctx), input)),
  cancel: adminProcedure
    .input(raceCancelInput)
    .mutation(({ ctx, input }) => cancelRace(ctx, actorOf(ctx), input.raceId)),
  finalize: adminProcedure
    .input(raceFinalizeInput)
    .mutation(({ ctx, input }) => finalizeRace(ctx, actorOf(ctx), input.raceId)),
} satisfies TRPCRouterRecord;
