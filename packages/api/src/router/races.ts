import type { TRPCRouterRecord } from '@trpc/server';
import {
  getRace,
  getRaceStandings,
  listRaces,
  raceIdInput,
  raceListInput,
  raceStandingsInput,
} from '../services/races';
import { publicProcedure } from '../trpc';

export const racesRouter = {
  list: publicProcedure.input(raceListInput).query(({ ctx, input }) => listRaces(ctx.db, input)),
  get: publicProcedure.input(raceIdInput).query(({ ctx, input }) => getRace(ctx.db, input.raceId)),
  standings: publicProcedure.input(raceStandingsInput).query(({ ctx, input }) => getRaceStandings(ctx.db, input)),
} satisfies TRPCRouterRecord;
