import type { TRPCRouterRecord } from '@trpc/server';
import type { Context } from '../context';
import { BadRequestError } from '../errors';
import { actorOf, recordAudit } from '../services/audit';
import {
  effectiveUpstream,
  getUpstreamSettings,
  setUpstreamSettings,
  upstreamSetInput,
  upstreamTestInput,
} from '../services/upstream/settings';
import { testUpstreamConnection } from '../services/upstream/test-connection';
import { adminProcedure } from '../trpc';

const fallbackOf = (ctx: Context) => ctx.upstream?.fallback ?? null;

export const upstreamRouter = {
  /** The feed in use and where it comes from; the token only as "set, ends …". */
  get: adminProcedure.query(({ ctx }) => getUpstreamSettings(ctx.db, fallbackOf(ctx))),
  /** Stores URL and/or token; the next run on every instance uses them. Audited. */
  set: adminProcedure
    .input(upstreamSetInput)
    .mutation(({ ctx, input }) => setUpstreamSettings(ctx.db, actorOf(ctx), input, fallbackOf(ctx))),
  /** One fetch, nothing applied: status, time, records, a sample, the records it would skip. */
  test: adminProcedure.input(upstreamTestInput).mutation(async ({ ctx, input }) => {
    const current = await effectiveUpstream(ctx.db, fallbackOf(ctx));
    const url = input.url ?? (current.kind === 'http' ? current.url : null);
    if (!url) throw new BadRequestError('Give a feed URL to test: none is set');
    const token = input.token ?? (current.kind === 'http' ? current.token : undefined);
    const result = await testUpstreamConnection({ url, token }, { ...ctx.upstream?.http });
    await recordAudit(ctx.db, actorOf(ctx), {
      action: 'upstream.test',
      targetType: 'upstream',
      details: { url: result.url, status: result.status, ok: result.ok, records: result.records },
    });
    return result;
  }),
} satisfies TRPCRouterRecord;
