/** The admins' review queue of player claims, with everything a reviewer weighs. */
import { type Db, schema } from '@goated/db';
import { and, asc, desc, eq, gt, inArray, lt, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { notFound } from '../errors';
import { type ClaimView, claimColumns, toClaimView } from './claims';
import { type PlayerPeriods, playerPeriods } from './players';

const { playerClaims, players, users } = schema;

export const claimListInput = z
  .object({
    /** Omitted: every claim, newest first. `pending` is the queue, oldest first. */
    status: z.enum(schema.claimStatus.enumValues).optional(),
    cursor: z.number().int().positive().nullish(),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .default({ limit: 20 });

export interface ClaimQueueItem extends ClaimView {
  user: {
    id: string;
    username: string;
    /** The account's age is the reviewer's first hint. */
    createdAt: Date;
    banned: boolean;
    telegram: { linked: boolean; username: string | null };
  };
  reviewedBy: string | null;
  /** The player's wagers and ranks now (null if the feed dropped them meanwhile). */
  figures: PlayerPeriods | null;
  /** The account the player is linked to now, if any. */
  linkedTo: { id: string; username: string } | null;
  /** Everyone else who claimed the same player. */
  otherClaims: { id: number; status: ClaimView['status']; username: string; createdAt: Date }[];
}

export interface ClaimQueuePage {
  claims: ClaimQueueItem[];
  nextCursor: number | null;
}

const reviewer = alias(users, 'reviewer');

async function figuresOf(db: Db, uid: string): Promise<PlayerPeriods | null> {
  try {
    return await playerPeriods(db, uid);
  } catch {
    return null;
  }
}

/** Claims with everything a reviewer weighs, in the given order. */
async function loadClaims(
  db: Db,
  where: SQL | undefined,
  oldestFirst: boolean,
  limit: number,
): Promise<ClaimQueueItem[]> {
  const page = await db
    .select({
      ...claimColumns,
      userId: users.id,
      username: users.displayName,
      userCreatedAt: users.createdAt,
      banned: users.banned,
      telegramId: users.telegramId,
      telegramUsername: users.telegramUsername,
      reviewedBy: reviewer.displayName,
    })
    .from(playerClaims)
    .innerJoin(players, eq(players.uid, playerClaims.playerUid))
    .innerJoin(users, eq(users.id, playerClaims.userId))
    .leftJoin(reviewer, eq(reviewer.id, playerClaims.reviewedBy))
    .where(where)
    .orderBy(oldestFirst ? asc(playerClaims.id) : desc(playerClaims.id))
    .limit(limit);
  const uids = [...new Set(page.map((r) => r.playerUid))];
  const related =
    uids.length === 0
      ? []
      : await db
          .select({
            id: playerClaims.id,
            playerUid: playerClaims.playerUid,
            status: playerClaims.status,
            username: users.displayName,
            createdAt: playerClaims.createdAt,
          })
          .from(playerClaims)
          .innerJoin(users, eq(users.id, playerClaims.userId))
          .where(inArray(playerClaims.playerUid, uids))
          .orderBy(desc(playerClaims.id));
  const holders =
    uids.length === 0
      ? []
      : await db
          .select({ id: users.id, username: users.displayName, uid: users.playerUid })
          .from(users)
          .where(inArray(users.playerUid, uids));
  const holderByUid = new Map(holders.map((h) => [h.uid, { id: h.id, username: h.username }]));
  const figures = new Map<string, PlayerPeriods | null>();
  for (const uid of uids) figures.set(uid, await figuresOf(db, uid));
  return page.map((row) => ({
    ...toClaimView(row),
    user: {
      id: row.userId,
      username: row.username,
      createdAt: row.userCreatedAt,
      banned: row.banned,
      telegram: { linked: row.telegramId !== null, username: row.telegramUsername },
    },
    reviewedBy: row.reviewedBy,
    figures: figures.get(row.playerUid) ?? null,
    linkedTo: holderByUid.get(row.playerUid) ?? null,
    otherClaims: related
      .filter((c) => c.playerUid === row.playerUid && c.id !== row.id)
      .map(({ playerUid: _uid, ...c }) => c),
  }));
}

export async function listClaims(db: Db, input: z.output<typeof claimListInput>): Promise<ClaimQueuePage> {
  const queue = input.status === 'pending';
  const conditions = [];
  if (input.status) conditions.push(eq(playerClaims.status, input.status));
  if (input.cursor) conditions.push(queue ? gt(playerClaims.id, input.cursor) : lt(playerClaims.id, input.cursor));
  const rows = await loadClaims(db, and(...conditions), queue, input.limit + 1);
  const hasMore = rows.length > input.limit;
  const claims = hasMore ? rows.slice(0, input.limit) : rows;
  return { claims, nextCursor: hasMore ? (claims.at(-1)?.id ?? null) : null };
}

/** One claim as the queue shows it (the Telegram review message). */
export async function claimForReview(db: Db, claimId: number): Promise<ClaimQueueItem> {
  const [claim] = await loadClaims(db, eq(playerClaims.id, claimId), false, 1);
  if (!claim) throw notFound('Claim');
  return claim;
}
