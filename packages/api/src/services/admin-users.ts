import { type Db, schema } from '@goated/db';
import { and, asc, eq, gt, inArray, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Context } from '../context';
import { fieldError, notFound } from '../errors';
import { actorOf, recordAudit } from './audit';
import { endSessions } from './auth/accounts';
import { suspendKeysOwnedBy } from './auth/api-key-standing';
import { announceSuspended } from './auth/api-keys';

const { users } = schema;

export const userListInput = z.object({
  /** Case-insensitive prefix of the username. */
  search: z.string().trim().min(1).max(32).optional(),
  role: z.enum(['user', 'admin']).optional(),
  banned: z.boolean().optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().max(64).nullish(),
});

export const userUpdateInput = z
  .object({
    userId: z.string().min(1).max(64),
    role: z.enum(['user', 'admin']).optional(),
    banned: z.boolean().optional(),
  })
  .refine((v) => v.role !== undefined || v.banned !== undefined, {
    path: ['role'],
    message: 'change at least the role or the ban',
  });

export const userBulkInput = z.object({
  userIds: z.array(z.string().min(1).max(64)).min(1, 'select at least one user').max(500, 'at most 500 users at once'),
  action: z.enum(['ban', 'unban', 'makeAdmin', 'makeUser']),
});

export interface AdminUserView {
  id: string;
  username: string;
  role: 'user' | 'admin';
  banned: boolean;
  bannedAt: Date | null;
  playerUid: string | null;
  /** The linked casino player's name, as the feed reports it. */
  playerName: string | null;
  telegramLinked: boolean;
  createdAt: Date;
}

const playerName = sql<
  string | null
>`(select ${schema.players.name} from ${schema.players} where ${schema.players.uid} = ${users.playerUid})`;

const view = {
  id: users.id,
  username: users.displayName,
  role: users.role,
  banned: users.banned,
  bannedAt: users.bannedAt,
  playerUid: users.playerUid,
  playerName,
  telegramLinked: sql<boolean>`${users.telegramId} is not null`,
  createdAt: users.createdAt,
};

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Alphabetical by username, keyset-paginated. */
export async function listUsers(db: Db, input: z.output<typeof userListInput>) {
  const conditions = [];
  if (input.search) conditions.push(sql`${users.username} like ${`${escapeLike(input.search.toLowerCase())}%`}`);
  if (input.role) conditions.push(eq(users.role, input.role));
  if (input.banned !== undefined) conditions.push(eq(users.banned, input.banned));
  if (input.cursor) conditions.push(gt(users.username, input.cursor));
  const rows = await db
    .select({ ...view, key: users.username })
    .from(users)
    .where(and(...conditions))
    .orderBy(asc(users.username))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  return {
    users: page.map(({ key: _key, ...user }): AdminUserView => user),
    nextCursor: hasMore ? (page.at(-1)?.key ?? null) : null,
  };
}

type Change = { role?: 'user' | 'admin'; banned?: boolean };

function changeFor(action: z.output<typeof userBulkInput>['action']): Change {
  switch (action) {
    case 'ban':
      return { banned: true };
    case 'unban':
      return { banned: false };
    case 'makeAdmin':
      return { role: 'admin' };
    case 'makeUser':
      return { role: 'user' };
  }
}

/**
 * Applies one change to many users in one transaction; every change is audited. A ban or a
 * demotion also suspends the API keys those users own (a key acts with its owner's rights), and
 * once committed every instance hears of it: their sessions and keys end on open connections.
 */
async function applyChange(ctx: Context, userIds: string[], change: Change) {
  const actor = actorOf(ctx);
  const { changed, suspendedKeys } = await ctx.db.transaction(async (tx) => {
    const set = {
      role: change.role,
      ...(change.banned !== undefined ? { banned: change.banned, bannedAt: change.banned ? new Date() : null } : {}),
      updatedAt: new Date(),
    };
    // Skip users already in the target state, so the audit log only shows real changes.
    const differs = [
      change.role !== undefined ? ne(users.role, change.role) : undefined,
      change.banned !== undefined ? ne(users.banned, change.banned) : undefined,
    ].filter((c) => c !== undefined);
    const rows = await tx
      .update(users)
      .set(set)
      .where(and(inArray(users.id, userIds), sql`(${sql.join(differs, sql` or `)})`))
      .returning(view);
    for (const row of rows) {
      await recordAudit(tx, actor, {
        action: change.banned === true ? 'user.ban' : change.banned === false ? 'user.unban' : 'user.role',
        targetType: 'user',
        targetId: row.id,
        details: { username: row.username, ...change },
      });
    }
    const losingRights = change.banned === true || change.role === 'user' ? rows.map((r) => r.id) : [];
    const reason = change.banned === true ? 'owner-banned' : 'owner-demoted';
    return { changed: rows, suspendedKeys: await suspendKeysOwnedBy(tx, actor, losingRights, reason) };
  });
  for (const row of changed) {
    if (change.banned === true) await endSessions(ctx, row.id, 'banned');
    else if (change.role !== undefined) await endSessions(ctx, row.id, 'role-changed');
  }
  await announceSuspended(ctx, suspendedKeys);
  return changed;
}

function refuseSelf(ctx: Context, userIds: string[], field: string) {
  if (ctx.user && userIds.includes(ctx.user.id)) {
    throw fieldError('BAD_REQUEST', [field], 'you cannot change your own role or ban yourself');
  }
}

export async function updateUser(ctx: Context, input: z.output<typeof userUpdateInput>): Promise<AdminUserView> {
  refuseSelf(ctx, [input.userId], 'userId');
  const [exists] = await ctx.db.select(view).from(users).where(eq(users.id, input.userId));
  if (!exists) throw notFound('User');
  const change: Change = {};
  if (input.role !== undefined) change.role = input.role;
  if (input.banned !== undefined) change.banned = input.banned;
  const [changed] = await applyChange(ctx, [input.userId], change);
  return changed ?? exists;
}

export async function bulkUpdateUsers(ctx: Context, input: z.output<typeof userBulkInput>) {
  refuseSelf(ctx, input.userIds, 'userIds');
  const changed = await applyChange(ctx, [...new Set(input.userIds)], changeFor(input.action));
  return { changed: changed.length, users: changed };
}
