import { type TRPCRouterRecord, tracked } from '@trpc/server';
import { followLogs, listLogs, logListInput, logStreamInput } from '../services/logs';
import { adminProcedure } from '../trpc';

export const logsRouter = {
  /** Newest first; filter by type and time; `nextCursor` pages back. */
  list: adminProcedure.input(logListInput).query(({ ctx, input }) => listLogs(ctx.db, input)),

  /**
   * Entries as they are written, each tracked by its id: a client that reconnects with
   * `lastEventId` first receives every entry it missed, in order.
   */
  onLog: adminProcedure.input(logStreamInput).subscription(async function* ({ ctx, input, signal }) {
    for await (const entry of followLogs(ctx, input, signal)) {
      yield tracked(String(entry.id), entry);
    }
  }),
} satisfies TRPCRouterRecord;
