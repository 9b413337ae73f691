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
import { adminStats } from '../services/stats';
import { adminProcedure, createTRPCRouter } from '../trpc';

const usersRouter = {
  list: adminProcedure.input(userListInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
  update: adminProcedure.input(userUpdateInput).mutation(({ ctx, input }) => updateUser(ctx, input)),
  /** One action over many users, in one transaction. */
  bulk: adminProcedure.input(userBulkInput).mutation(({ ctx, input }) => bulkUpdateUsers(ctx, input)),
  /** A one-time password-reset token for the user (shown once). */
  issueResetToken: adminProcedure
    .input(z.object({ userId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => issueResetToken(ctx, actorOf(ctx), input.userId, 'by an admin')),
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

export const adminRouter = createTRPCRouter({
  users: usersRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  /** Connections, subscriptions, messages, refusals and dropped consumers; bus state. */
  stats: adminProcedure.query(({ ctx }) => adminStats(ctx)),
});
