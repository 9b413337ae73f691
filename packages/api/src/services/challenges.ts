import { type Db, schema } from '@goated/db';
import { positiveDecimal } from '@goated/validators';
import { and, asc, count, desc, eq, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Context } from '../context';
import { fieldError, notFound } from '../errors';
import { actorOf, recordAudit } from './audit';

const { challenges, challengeEntries, users } = schema;

const window = {
  startsAt: z.date({ message: 'must be a date' }),
  endsAt: z.date({ message: 'must be a date' }),
};

export const challengeCreateInput = z
  .object({
    title: z.string().trim().min(3, 'must be at least 3 characters').max(120, 'must be at most 120 characters'),
    game: z.string().trim().min(1, 'is required').max(80, 'must be at most 80 characters'),
    minMultiplier: positiveDecimal,
    minBet: positiveDecimal,
    prize: positiveDecimal,
    maxWinners: z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000'),
    /** Entries one user may have in play (pending or approved) at once. */
    maxEntriesPerUser: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100').default(1),
    ...window,
  })
  .refine((v) => v.endsAt > v.startsAt, { path: ['endsAt'], message: 'must be after the start' })
  .refine((v) => v.endsAt.getTime() > Date.now(), { path: ['endsAt'], message: 'must be in the future' });

export const challengeUpdateInput = z
  .object({
    id: z.number().int().positive(),
    title: z.string().trim().min(3).max(120).optional(),
    game: z.string().trim().min(1).max(80).optional(),
    minMultiplier: positiveDecimal.optional(),
    minBet: positiveDecimal.optional(),
    prize: positiveDecimal.optional(),
    maxWinners: z.number().int().min(1).max(1000).optional(),
    maxEntriesPerUser: z.number().int().min(1).max(100).optional(),
    startsAt: window.startsAt.optional(),
    endsAt: window.endsAt.optional(),
  })
  .refine((v) => !v.startsAt || !v.endsAt || v.endsAt > v.startsAt, {
    path: ['endsAt'],
    message: 'must be after the start',
  });

export const challengeListInput = z.object({
  status: z.enum(['open', 'closed']).optional(),
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.number().int().positive().nullish(),
});

type ChallengeRow = typeof challenges.$inferSelect;

export interface Challenge {
  id: number;
  title: string;
  game: string;
  minMultiplier: string;
  minBet: string;
  prize: string;
  maxWinners: number;
  /** Entries one user may have in play (pending or approved) at once. */
  maxEntriesPerUser: number;
  winners: number;
  startsAt: Date;
  endsAt: Date;
  /** `open` takes entries now; `upcoming`/`ended` by the clock; `full` when every prize is won. */
  state: 'upcoming' | 'open' | 'full' | 'ended' | 'closed';
}

export function stateOf(row: ChallengeRow, winners: number, now: Date): Challenge['state'] {
  if (row.status === 'closed') return 'closed';
  if (now < row.startsAt) return 'upcoming';
  if (now >= row.endsAt) return 'ended';
  return winners >= row.maxWinners ? 'full' : 'open';
}

function toChallenge(row: ChallengeRow, winners: number, now = new Date()): Challenge {
  return {
    id: row.id,
    title: row.title,
    game: row.game,
    minMultiplier: row.minMultiplier,
    minBet: row.minBet,
    prize: row.prize,
    maxWinners: row.maxWinners,
    maxEntriesPerUser: row.maxEntriesPerUser,
    winners,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    state: stateOf(row, winners, now),
  };
}

// Spelled out: drizzle would render the outer column unqualified inside the subquery.
const approvedCount =
  sql<number>`(select count(*) from challenge_entries e where e.challenge_id = challenges.id and e.status = 'approved')`.mapWith(
    Number,
  );

export async function listChallenges(db: Db, input: z.output<typeof challengeListInput>) {
  const conditions = [];
  if (input.status) conditions.push(eq(challenges.status, input.status));
  if (input.cursor) conditions.push(lt(challenges.id, input.cursor));
  const rows = await db
    .select({ row: challenges, winners: approvedCount })
    .from(challenges)
    .where(and(...conditions))
    .orderBy(desc(challenges.id))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  return {
    challenges: page.map((r) => toChallenge(r.row, r.winners)),
    nextCursor: hasMore ? (page.at(-1)?.row.id ?? null) : null,
  };
}

export async function getChallenge(db: Db, id: number) {
  const [found] = await db
    .select({ row: challenges, winners: approvedCount })
    .from(challenges)
    .where(eq(challenges.id, id));
  if (!found) throw notFound('Challenge');
  const winners = await db
    .select({
      username: users.displayName,
      multiplier: challengeEntries.multiplier,
      approvedAt: challengeEntries.reviewedAt,
    })
    .from(challengeEntries)
    .innerJoin(users, eq(users.id, challengeEntries.userId))
    .where(and(eq(challengeEntries.challengeId, id), eq(challengeEntries.status, 'approved')))
    .orderBy(asc(challengeEntries.reviewedAt));
  return { ...toChallenge(found.row, found.winners), winnerList: winners };
}

export async function createChallenge(ctx: Context, input: z.output<typeof challengeCreateInput>) {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(challenges)
      .values({ ...input, createdBy: ctx.user?.id ?? null })
      .returning();
    if (!row) throw new Error('challenge insert returned nothing');
    await recordAudit(tx, actorOf(ctx), {
      action: 'challenge.create',
      targetType: 'challenge',
      targetId: row.id,
      details: input,
    });
    return toChallenge(row, 0);
  });
}

export async function updateChallenge(ctx: Context, input: z.output<typeof challengeUpdateInput>) {
  const { id, ...changes } = input;
  return ctx.db.transaction(async (tx) => {
    const [current] = await tx.select().from(challenges).where(eq(challenges.id, id)).for('update');
    if (!current) throw notFound('Challenge');
    const startsAt = changes.startsAt ?? current.startsAt;
    const endsAt = changes.endsAt ?? current.endsAt;
    if (endsAt <= startsAt) throw fieldError('BAD_REQUEST', ['endsAt'], 'must be after the start');
    const [{ winners } = { winners: 0 }] = await tx
      .select({ winners: count() })
      .from(challengeEntries)
      .where(and(eq(challengeEntries.challengeId, id), eq(challengeEntries.status, 'approved')));
    if (changes.maxWinners !== undefined && changes.maxWinners < winners) {
      throw fieldError('BAD_REQUEST', ['maxWinners'], `cannot be below the ${winners} winners already approved`);
    }
    const [row] = await tx
      .update(challenges)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(challenges.id, id))
      .returning();
    if (!row) throw notFound('Challenge');
    await recordAudit(tx, actorOf(ctx), {
      action: 'challenge.update',
      targetType: 'challenge',
      targetId: id,
      details: changes,
    });
    return toChallenge(row, winners);
  });
}

export async function closeChallenge(ctx: Context, id: number) {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(challenges)
      .set({ status: 'closed', updatedAt: new Date() })
      .where(eq(challenges.id, id))
      .returning();
    if (!row) throw notFound('Challenge');
    await recordAudit(tx, actorOf(ctx), { action: 'challenge.close', targetType: 'challenge', targetId: id });
    return toChallenge(row, 0);
  });
}
