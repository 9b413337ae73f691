import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import {
  bulkUpdateUsers,
  listUsers,
  updateUser,
  userBulkInput,
  userListInput,
  userUpdateInput,
} from '../services/admin-users';
import { cachedOverview, overviewInput } from '../services/analytics';
import { actorOf, auditListInput, listAudit } from '../services/audit';
import { issueResetToken } from '../services/auth/accounts';
import {
  apiKeyCreateInput,
  apiKeyIdInput,
  apiKeyRotateInput,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
} from '../services/auth/api-keys';
import {
  createTemplate,
  deleteTemplate,
  listTemplates,
  templateCreateInput,
  templateIdInput,
  templateUpdateInput,
  updateTemplate,
} from '../services/race-templates';
import { adminStats } from '../services/stats';
import { adminProcedure, createTRPCRouter } from '../trpc';
import { upstreamRouter } from './admin-upstream';

const usersRouter = {
  list: adminProcedure.input(userListInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
  update: adminProcedure.input(userUpdateInput).mutation(({ ctx, input }) => updateUser(ctx, input)),
  /** One action over many users, in one transaction. */
  bulk: adminProcedure.input(userBulkInput).mutation(({ ctx, input }) => bulkUpdateUsers(ctx, input)),
  /** A one-time password-reset token for the user (shown once). */
  issueResetToken: adminProcedure
    .input(z.object({ userId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => issueResetToken(ctx.db, actorOf(ctx), input.userId)),
} satisfies TRPCRouterRecord;

const apiKeysRouter = {
  /** Returns the key once; only its hash is stored. */
  create: adminProcedure
    .input(apiKeyCreateInput)
    .mutation(({ ctx, input }) => createApiKey(ctx.db, actorOf(ctx), input)),
  list: adminProcedure.query(({ ctx }) => listApiKeys(ctx.db)),
  rotate: adminProcedure
    .input(apiKeyRotateInput)
    .mutation(({ ctx, input }) => rotateApiKey(ctx.db, actorOf(ctx), input)),
  revoke: adminProcedure
    .input(apiKeyIdInput)
    .mutation(({ ctx, input }) => revokeApiKey(ctx.db, actorOf(ctx), input.id)),
} satisfies TRPCRouterRecord;

const auditRouter = {
  list: adminProcedure.input(auditListInput).query(({ ctx, input }) => listAudit(ctx.db, input)),
} satisfies TRPCRouterRecord;

const raceTemplatesRouter = {
  list: adminProcedure.query(({ ctx }) => listTemplates(ctx.db)),
  create: adminProcedure
    .input(templateCreateInput)
    .mutation(({ ctx, input }) => createTemplate(ctx.db, actorOf(ctx), input)),
  /** Applies to the races made from now on; races already made keep their settings. */
  update: adminProcedure
    .input(templateUpdateInput)
    .mutation(({ ctx, input }) => updateTemplate(ctx.db, actorOf(ctx), input)),
  delete: adminProcedure
    .input(templateIdInput)
    .mutation(({ ctx, input }) => deleteTemplate(ctx.db, actorOf(ctx), input.id)),
} satisfies TRPCRouterRecord;

export const adminRouter = createTRPCRouter({
  users: usersRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  raceTemplates: raceTemplatesRouter,
  upstream: upstreamRouter,
  analytics: {
    /** KPIs against the previous period and daily series, from rollups; cached a minute. */
    overview: adminProcedure.input(overviewInput).query(({ ctx, input }) => cachedOverview(ctx, input.days)),
  } satisfies TRPCRouterRecord,
  /** Connections, subscriptions, messages, refusals and dropped consumers; bus state. */
  stats: adminProcedure.query(({ ctx }) => adminStats(ctx)),
});
