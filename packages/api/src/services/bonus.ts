import { type Db, schema } from '@goated/db';
import { atLeast, positiveDecimal } from '@goated/validators';
import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Context, SessionUser } from '../context';
import { ConflictError, fieldError, NotFoundError, notFound } from '../errors';
import { actorOf, recordAudit } from './audit';
import { isUniqueViolation } from './db-errors';

const { bonusCodes, bonusClaims, users, players } = schema;

/** Codes are case-insensitive: stored and compared upper-case. */
const codeSchema = z
  .string({ message: 'must be text' })
  .trim()
  .min(3, 'must be at least 3 characters')
  .max(32, 'must be at most 32 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, - and _')
  .transform((c) => c.toUpperCase());

export const bonusCreateInput = z.object({
  code: codeSchema,
  description: z.string().trim().max(300).default(''),
  maxClaims: z.number().int().min(1, 'must be at least 1').max(1_000_000),
  minMonthlyWager: positiveDecimal.nullish(),
  expiresAt: z
    .date()
    .refine((d) => d.getTime() > Date.now(), 'must be in the future')
    .nullish(),
});

export const bonusUpdateInput = z.object({
  id: z.number().int().positive(),
  description: z.string().trim().max(300).optional(),
  maxClaims: z.number().int().min(1).max(1_000_000).optional(),
  minMonthlyWager: positiveDecimal.nullish(),
  expiresAt: z.date().nullish(),
});

export const bonusClaimInput = z.object({
  // Loose on purpose: a malformed code gets the same answer as an unknown one.
  code: z.string({ message: 'must be text' }).trim().min(1, 'is required').max(64, 'must be at most 64 characters'),
});

export const bonusListInput = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.number().int().positive().nullish(),
});

export const bonusClaimsInput = z.object({
  codeId: z.number().int().positive(),
  limit: z.number().int().min(1).max(500).default(100),
  cursor: z.number().int().positive().nullish(),
});

type CodeRow = typeof bonusCodes.$inferSelect;

export interface BonusCode {
  id: number;
  code: string;
  description: string;
  maxClaims: number;
  claimsCount: number;
  remaining: number;
  minMonthlyWager: string | null;
  expiresAt: Date | null;
  disabled: boolean;
  createdAt: Date;
}

function toBonusCode(row: CodeRow): BonusCode {
  return {
    id: row.id,
    code: row.code,
    description: row.description,
    maxClaims: row.maxClaims,
    claimsCount: row.claimsCount,
    remaining: Math.max(0, row.maxClaims - row.claimsCount),
    minMonthlyWager: row.minMonthlyWager,
    expiresAt: row.expiresAt,
    disabled: row.disabled,
    createdAt: row.createdAt,
  };
}

export async function createBonusCode(ctx: Context, input: z.output<typeof bonusCreateInput>): Promise<BonusCode> {
  try {
    return await ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(bonusCodes)
        .values({
          code: input.code,
          description: input.description,
          maxClaims: input.maxClaims,
          minMonthlyWager: input.minMonthlyWager ?? null,
          expiresAt: input.expiresAt ?? null,
          createdBy: ctx.user?.id ?? null,
        })
        .returning();
      if (!row) throw new Error('bonus code insert returned nothing');
      await recordAudit(tx, actorOf(ctx), {
        action: 'bonus.create',
        targetType: 'bonusCode',
        targetId: row.id,
        details: { code: row.code, maxClaims: row.maxClaims },
      });
      return toBonusCode(row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw fieldError('CONFLICT', ['code'], 'already exists');
    throw err;
  }
}

export async function updateBonusCode(ctx: Context, input: z.output<typeof bonusUpdateInput>): Promise<BonusCode> {
  const { id, ...changes } = input;
  return ctx.db.transaction(async (tx) => {
    const [current] = await tx.select().from(bonusCodes).where(eq(bonusCodes.id, id)).for('update');
    if (!current) throw notFound('Bonus code');
    if (changes.maxClaims !== undefined && changes.maxClaims < current.claimsCount) {
      throw fieldError('BAD_REQUEST', ['maxClaims'], `cannot be below the ${current.claimsCount} claims already made`);
    }
    const [row] = await tx
      .update(bonusCodes)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(bonusCodes.id, id))
      .returning();
    if (!row) throw notFound('Bonus code');
    await recordAudit(tx, actorOf(ctx), {
      action: 'bonus.update',
      targetType: 'bonusCode',
      targetId: id,
      details: changes,
    });
    return toBonusCode(row);
  });
}

export async function disableBonusCode(ctx: Context, id: number): Promise<BonusCode> {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(bonusCodes)
      .set({ disabled: true, updatedAt: new Date() })
      .where(eq(bonusCodes.id, id))
      .returning();
    if (!row) throw notFound('Bonus code');
    await recordAudit(tx, actorOf(ctx), {
      action: 'bonus.disable',
      targetType: 'bonusCode',
      targetId: id,
      details: { code: row.code },
    });
    return toBonusCode(row);
  });
}

/** Takes a disabled code back into use (claims made before stay; the limit still holds). */
export async function enableBonusCode(ctx: Context, id: number): Promise<BonusCode> {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(bonusCodes)
      .set({ disabled: false, updatedAt: new Date() })
      .where(eq(bonusCodes.id, id))
      .returning();
    if (!row) throw notFound('Bonus code');
    await recordAudit(tx, actorOf(ctx), {
      action: 'bonus.enable',
      targetType: 'bonusCode',
      targetId: id,
      details: { code: row.code },
    });
    return toBonusCode(row);
  });
}

export async function listBonusCodes(db: Db, input: z.output<typeof bonusListInput>) {
  const rows = await db
    .select()
    .from(bonusCodes)
    .where(input.cursor ? lt(bonusCodes.id, input.cursor) : undefined)
    .orderBy(desc(bonusCodes.id))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  return { codes: page.map(toBonusCode), nextCursor: hasMore ? (page.at(-1)?.id ?? null) : null };
}

/** A code as the public sees it: what it gives and whether it can still be claimed, nobody's claims. */
export interface ActiveBonusCode {
  code: string;
  description: string;
  /** Claims left. */
  remaining: number;
  /** The claimant's linked player must have wagered this much this month (null: no requirement). */
  minMonthlyWager: string | null;
  expiresAt: Date | null;
}

/** `bonus.active`: the codes that can be claimed now (enabled, not expired, not used up), newest first. */
export async function listActiveBonusCodes(db: Db, now = new Date()): Promise<ActiveBonusCode[]> {
  const rows = await db
    .select()
    .from(bonusCodes)
    .where(
      and(
        eq(bonusCodes.disabled, false),
        or(isNull(bonusCodes.expiresAt), gt(bonusCodes.expiresAt, now)),
        lt(bonusCodes.claimsCount, bonusCodes.maxClaims),
      ),
    )
    .orderBy(desc(bonusCodes.id))
    .limit(100);
  return rows.map((row) => ({
    code: row.code,
    description: row.description,
    remaining: Math.max(0, row.maxClaims - row.claimsCount),
    minMonthlyWager: row.minMonthlyWager,
    expiresAt: row.expiresAt,
  }));
}

export async function listBonusClaims(db: Db, input: z.output<typeof bonusClaimsInput>) {
  const conditions = [eq(bonusClaims.codeId, input.codeId)];
  if (input.cursor) conditions.push(lt(bonusClaims.id, input.cursor));
  const rows = await db
    .select({
      id: bonusClaims.id,
      userId: bonusClaims.userId,
      username: users.displayName,
      claimedAt: bonusClaims.claimedAt,
    })
    .from(bonusClaims)
    .innerJoin(users, eq(users.id, bonusClaims.userId))
    .where(and(...conditions))
    .orderBy(desc(bonusClaims.id))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  return { claims: page, nextCursor: hasMore ? (page.at(-1)?.id ?? null) : null };
}

/**
 * One answer for every "cannot claim this" — unknown, disabled, expired, used up, a wager the
 * claimant has not reached, no linked player — so trying codes reveals nothing about which exist.
 * Only a code proven to exist for this user (they claimed it already) gets its own answer.
 */
export const CANNOT_CLAIM =
  'This code cannot be claimed: it may be unknown or expired, have no claims left, or need more wagering this month from your linked player';

function cannotClaim(): NotFoundError {
  return new NotFoundError(CANNOT_CLAIM);
}

class ClaimRefused extends Error {}

/**
 * Claims a code for a user, atomically: the slot is taken by one conditional UPDATE (row lock,
 * re-checked after any wait) in the same transaction as the unique claim row, so N concurrent
 * claims of M remaining slots succeed exactly M times and a user never claims twice.
 */
export async function claimBonusCode(ctx: Context, user: SessionUser, rawCode: string) {
  const code = rawCode.trim().toUpperCase();
  const [row] = await ctx.db.select().from(bonusCodes).where(eq(bonusCodes.code, code));
  if (!row) throw cannotClaim();
  const [mine] = await ctx.db
    .select({ id: bonusClaims.id })
    .from(bonusClaims)
    .where(and(eq(bonusClaims.codeId, row.id), eq(bonusClaims.userId, user.id)));
  if (mine) throw new ConflictError('You already claimed this code');
  const now = new Date();
  if (row.disabled || (row.expiresAt && row.expiresAt <= now)) throw cannotClaim();
  if (row.minMonthlyWager) {
    const [linked] = await ctx.db
      .select({ wagerMonth: players.wagerMonth })
      .from(users)
      .leftJoin(players, eq(players.uid, users.playerUid))
      .where(eq(users.id, user.id));
    if (!linked?.wagerMonth || !atLeast(linked.wagerMonth, row.minMonthlyWager)) throw cannotClaim();
  }
  try {
    return await ctx.db.transaction(async (tx) => {
      const [claim] = await tx.insert(bonusClaims).values({ codeId: row.id, userId: user.id }).returning();
      const [taken] = await tx
        .update(bonusCodes)
        .set({ claimsCount: sql`${bonusCodes.claimsCount} + 1` })
        .where(
          and(
            eq(bonusCodes.id, row.id),
            lt(bonusCodes.claimsCount, bonusCodes.maxClaims),
            eq(bonusCodes.disabled, false),
            or(isNull(bonusCodes.expiresAt), gt(bonusCodes.expiresAt, sql`now()`)),
          ),
        )
        .returning({ claimsCount: bonusCodes.claimsCount });
      if (!taken || !claim) throw new ClaimRefused(); // rolls the claim row back
      return { code: row.code, description: row.description, claimedAt: claim.claimedAt };
    });
  } catch (err) {
    if (err instanceof ClaimRefused) throw cannotClaim();
    if (isUniqueViolation(err)) throw new ConflictError('You already claimed this code');
    throw err;
  }
}

export async function myClaims(db: Db, userId: string) {
  return db
    .select({ code: bonusCodes.code, description: bonusCodes.description, claimedAt: bonusClaims.claimedAt })
    .from(bonusClaims)
    .innerJoin(bonusCodes, eq(bonusCodes.id, bonusClaims.codeId))
    .where(eq(bonusClaims.userId, userId))
    .orderBy(desc(bonusClaims.id))
    .limit(100);
}
