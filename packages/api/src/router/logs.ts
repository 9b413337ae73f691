import { type TRPCRouterRecord, tracked } from '@trpc/server';
import { listLogs, logListInput, logStreamInput, openLogStream } from '../services/logs';
import { adminProcedure } from '../trpc';

export const logsRouter = {
  /** Newest first; filter by type and time; `nextCursor` pages back. */
  list: adminProcedure.input(logListInput).query(({ ctx, input }) => listLogs(ctx.db, input)),

  /**
   * Entries as they are written, each tracked by its id: a client that reconnects with
   * `lastEventId` first receives every entry it missed, in order.
   */
  onLog: adminProcedure.input(logStreamInput).subscription(async ({ ctx, input, signal }) => {
    const entries = await openLogStream(ctx, input, signal);
    return (async function* () {
      for await (const entry of entries) yield tracked(String(entry.id), entry);
    })();
  }),
} satisfies TRPCRouterRecord;
