import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { Context } from '../context';
import { PreconditionFailedError } from '../errors';
import { syncRunResultOutput, syncStatusOutput } from '../rest/outputs';
import { syncIngestInput } from '../services/sync/pipeline';
import { syncStatusInput } from '../services/sync/runs';
import type { SyncService } from '../services/sync/service';
import { adminProcedure, scopedProcedure } from '../trpc';

function pipeline(ctx: Context): SyncService {
  if (!ctx.sync) throw new PreconditionFailedError('The sync pipeline is not running here');
  return ctx.sync;
}

export const syncRouter = {
  /** Last runs, the next scheduled one, the last error. */
  status: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/sync/status',
        tags: ['sync'],
        summary: 'Schedule, last runs, last error (admin or read key)',
      },
    })
    .input(syncStatusInput)
    .output(syncStatusOutput)
    .query(({ ctx, input }) => pipeline(ctx).status(input)),

  /** Runs the pipeline now and returns its result; CONFLICT while another run is in progress. */
  runNow: adminProcedure.input(z.object({}).optional()).mutation(({ ctx }) => pipeline(ctx).runNow()),

  /** Pushes a batch of records (the upstream format) through the same validation and transaction. */
  ingest: scopedProcedure('ingest')
    .meta({
      // A record with bad text is skipped and reported like any invalid record; the rest apply.
      textCheckedByService: true,
      openapi: {
        method: 'POST',
        path: '/sync/ingest',
        tags: ['sync'],
        summary: 'Push a batch of player records (ingest key)',
      },
    })
    .input(syncIngestInput)
    .output(syncRunResultOutput)
    .mutation(({ ctx, input }) =>
      pipeline(ctx).ingest(
        input.records,
        ctx.apiKey ? `ingest:key:${ctx.apiKey.name}` : `ingest:user:${ctx.user?.username ?? 'unknown'}`,
      ),
    ),
} satisfies TRPCRouterRecord;
