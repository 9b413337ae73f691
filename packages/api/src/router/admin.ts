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
  keyMakerOf,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
} from '../services/auth/api-keys';
import { claimListInput, listClaims } from '../services/claims-queue';
import {
  approveClaim,
  claimIdInput,
  claimRejectInput,
  linkPlayer,
  linkPlayerInput,
  rejectClaim,
  unlinkPlayer,
  unlinkPlayerInput,
} from '../services/claims-review';
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
import { vipAdminRouter } from './vip';

const usersRouter = {
  list: adminProcedure.input(userListInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
  update: adminProcedure.input(userUpdateInput).mutation(({ ctx, input }) => updateUser(ctx, input)),
  /** One action over many users, in one transaction. */
  bulk: adminProcedure.input(userBulkInput).mutation(({ ctx, input }) => bulkUpdateUsers(ctx, input)),
  /** Links a casino player to the account directly (no claim needed); CONFLICT if either is linked. */
  linkPlayer: adminProcedure.input(linkPlayerInput).mutation(({ ctx, input }) => linkPlayer(ctx, actorOf(ctx), input)),
  /** Detaches the account's casino player. */
  unlinkPlayer: adminProcedure
    .input(unlinkPlayerInput)
    .mutation(({ ctx, input }) => unlinkPlayer(ctx, actorOf(ctx), input)),
  /** A one-time password-reset token for the user (shown once). */
  issueResetToken: adminProcedure
    .input(z.object({ userId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => issueResetToken(ctx, actorOf(ctx), input.userId, 'by an admin')),
} satisfies TRPCRouterRecord;

const claimsRouter = {
  /** The review queue (`status: 'pending'`, oldest first) or any status (newest first). */
  list: adminProcedure.input(claimListInput).query(({ ctx, input }) => listClaims(ctx.db, input)),
  approve: adminProcedure.input(claimIdInput).mutation(({ ctx, input }) => approveClaim(ctx, actorOf(ctx), input.id)),
  /** The reason is shown to the user. */
  reject: adminProcedure.input(claimRejectInput).mutation(({ ctx, input }) => rejectClaim(ctx, actorOf(ctx), input)),
} satisfies TRPCRouterRecord;

const apiKeysRouter = {
  /** Returns the key once; only its hash is stored. */
  create: adminProcedure
    .input(apiKeyCreateInput)
    .mutation(({ ctx, input }) => createApiKey(ctx.db, keyMakerOf(ctx), input)),
  list: adminProcedure.query(({ ctx }) => listApiKeys(ctx.db)),
  rotate: adminProcedure
    .input(apiKeyRotateInput)
    .mutation(({ ctx, input }) => rotateApiKey(ctx, keyMakerOf(ctx), input)),
  revoke: adminProcedure.input(apiKeyIdInput).mutation(({ ctx, input }) => revokeApiKey(ctx, actorOf(ctx), input.id)),
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
  claims: claimsRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  raceTemplates: raceTemplatesRouter,
  upstream: upstreamRouter,
  vip: vipAdminRouter,
  analytics: {
    /** KPIs against the previous period and daily series, from rollups; cached a minute. */
    overview: adminProcedure.input(overviewInput).query(({ ctx, input }) => cachedOverview(ctx, input.days)),
  } satisfies TRPCRouterRecord,
  /** Connections, subscriptions, messages, refusals and dropped consumers; bus state. */
  stats: adminProcedure.query(({ ctx }) => adminStats(ctx)),
});
