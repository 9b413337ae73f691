/**
 * Challenge entries: players submit the bets they claim won, admins approve or reject them. The
 * platform cannot tell who placed a bet, so the rules that keep it fair live here: at most
 * `maxEntriesPerUser` entries in play per user and challenge, a bet entered by several users is a
 * dispute admins see (`listDisputes`), and only one entry per bet can be approved.
 */
import { type Db, schema } from '@goated/db';
import { atLeast, positiveDecimal } from '@goated/validators';
import { and, count, desc, eq, inArray, lt, max, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Context, SessionUser } from '../context';
import { ConflictError, fieldError, notFound } from '../errors';
import { actorOf, recordAudit } from './audit';
import { stateOf } from './challenges';
import { isUniqueViolation } from './db-errors';

const { challenges, challengeEntries, users } = schema;

export const challengeSubmitInput = z.object({
  challengeId: z.number().int().positive(),
  /** The bet id or a link to the bet. */
  betReference: z
    .string({ message: 'must be text' })
    .trim()
    .min(3, 'must be at least 3 characters')
    .max(300, 'must be at most 300 characters'),
  multiplier: positiveDecimal,
  betAmount: positiveDecimal,
});

export const challengeReviewInput = z.object({
  entryId: z.number().int().positive(),
  decision: z.enum(['approve', 'reject']),
});

export const challengeEntriesInput = z.object({
  challengeId: z.number().int().positive(),
  status: z.enum(['pending', 'approved', 'rejected']).optional(),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.number().int().positive().nullish(),
});

/**
 * A player's claim of a win: checked against the rules now, approved or rejected by an admin
 * later. A user may have at most `maxEntriesPerUser` entries in play (pending or approved) per
 * challenge — counted under the challenge's row lock, so parallel submissions cannot pass it.
 * Nothing ties a bet to who placed it, so the same bet may be entered by several users (once
 * each): that is a dispute, shown to admins, and only one of them can be approved.
 */
export async function submitEntry(db: Db, user: SessionUser, input: z.output<typeof challengeSubmitInput>) {
  const now = new Date();
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx.select().from(challenges).where(eq(challenges.id, input.challengeId)).for('update');
      if (!row) throw notFound('Challenge');
      const [{ winners } = { winners: 0 }] = await tx
        .select({ winners: count() })
        .from(challengeEntries)
        .where(and(eq(challengeEntries.challengeId, row.id), eq(challengeEntries.status, 'approved')));
      const state = stateOf(row, winners, now);
      if (state === 'closed') throw new ConflictError('This challenge is closed');
      if (state === 'upcoming') throw new ConflictError('This challenge has not started yet');
      if (state === 'ended') throw new ConflictError('This challenge has ended');
      if (state === 'full') throw new ConflictError('All winners of this challenge are already chosen');
      if (!atLeast(input.multiplier, row.minMultiplier)) {
        throw fieldError('BAD_REQUEST', ['multiplier'], `must be at least ${row.minMultiplier}x`);
      }
      if (!atLeast(input.betAmount, row.minBet)) {
        throw fieldError('BAD_REQUEST', ['betAmount'], `must be at least ${row.minBet}`);
      }
      const [{ inPlay } = { inPlay: 0 }] = await tx
        .select({ inPlay: count() })
        .from(challengeEntries)
        .where(
          and(
            eq(challengeEntries.challengeId, row.id),
            eq(challengeEntries.userId, user.id),
            ne(challengeEntries.status, 'rejected'),
          ),
        );
      if (inPlay >= row.maxEntriesPerUser) {
        throw new ConflictError(
          row.maxEntriesPerUser === 1
            ? 'You already have an entry in this challenge'
            : `You already have ${inPlay} entries in this challenge, the most it allows`,
        );
      }
      const [entry] = await tx
        .insert(challengeEntries)
        .values({
          challengeId: input.challengeId,
          userId: user.id,
          betReference: input.betReference,
          multiplier: input.multiplier,
          betAmount: input.betAmount,
        })
        .returning();
      if (!entry) throw new Error('entry insert returned nothing');
      return entry;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw fieldError('CONFLICT', ['betReference'], 'you already submitted this bet');
    throw err;
  }
}

/** An entry with its challenge's title, as every list of entries shows it. */
const entryColumns = {
  id: challengeEntries.id,
  challengeId: challengeEntries.challengeId,
  challengeTitle: challenges.title,
  betReference: challengeEntries.betReference,
  multiplier: challengeEntries.multiplier,
  betAmount: challengeEntries.betAmount,
  status: challengeEntries.status,
  createdAt: challengeEntries.createdAt,
};

/**
 * Entries with their challenge's title and the entrant's name, as reviews and exports list them:
 * the caller adds its own filter, order and limit.
 */
export function entriesWithNames(db: Db) {
  return db
    .select({ ...entryColumns, userId: challengeEntries.userId, username: users.displayName })
    .from(challengeEntries)
    .innerJoin(users, eq(users.id, challengeEntries.userId))
    .innerJoin(challenges, eq(challenges.id, challengeEntries.challengeId))
    .$dynamic();
}

export async function myEntries(db: Db, userId: string) {
  return db
    .select({ ...entryColumns, reviewedAt: challengeEntries.reviewedAt })
    .from(challengeEntries)
    .innerJoin(challenges, eq(challenges.id, challengeEntries.challengeId))
    .where(eq(challengeEntries.userId, userId))
    .orderBy(desc(challengeEntries.id))
    .limit(100);
}

export async function listEntries(db: Db, input: z.output<typeof challengeEntriesInput>) {
  const conditions = [eq(challengeEntries.challengeId, input.challengeId)];
  if (input.status) conditions.push(eq(challengeEntries.status, input.status));
  if (input.cursor) conditions.push(lt(challengeEntries.id, input.cursor));
  const rows = await db
    .select({
      id: challengeEntries.id,
      username: users.displayName,
      userId: challengeEntries.userId,
      betReference: challengeEntries.betReference,
      multiplier: challengeEntries.multiplier,
      betAmount: challengeEntries.betAmount,
      status: challengeEntries.status,
      createdAt: challengeEntries.createdAt,
      /** Another user entered the same bet in this challenge: see `disputes`. */
      disputed: sql<boolean>`exists (select 1 from challenge_entries other
        where other.challenge_id = ${challengeEntries.challengeId}
          and other.bet_reference = ${challengeEntries.betReference}
          and other.user_id <> ${challengeEntries.userId})`,
    })
    .from(challengeEntries)
    .innerJoin(users, eq(users.id, challengeEntries.userId))
    .where(and(...conditions))
    .orderBy(desc(challengeEntries.id))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  return { entries: page, nextCursor: hasMore ? (page.at(-1)?.id ?? null) : null };
}

/**
 * Approves or rejects a pending entry. The challenge row is locked for the decision, so
 * approvals never exceed the number of winners even when admins approve at the same moment.
 */
export async function reviewEntry(ctx: Context, input: z.output<typeof challengeReviewInput>) {
  const result = await ctx.db.transaction(async (tx) => {
    const [entry] = await tx.select().from(challengeEntries).where(eq(challengeEntries.id, input.entryId));
    if (!entry) throw notFound('Entry');
    const [challenge] = await tx.select().from(challenges).where(eq(challenges.id, entry.challengeId)).for('update');
    if (!challenge) throw notFound('Challenge');
    // Re-read under the lock: another admin may have decided meanwhile.
    const [current] = await tx.select().from(challengeEntries).where(eq(challengeEntries.id, input.entryId));
    if (current?.status !== 'pending') {
      throw new ConflictError(`This entry was already ${current?.status ?? 'removed'}`);
    }
    if (input.decision === 'approve') {
      const [{ winners } = { winners: 0 }] = await tx
        .select({ winners: count() })
        .from(challengeEntries)
        .where(and(eq(challengeEntries.challengeId, challenge.id), eq(challengeEntries.status, 'approved')));
      if (winners >= challenge.maxWinners) {
        throw new ConflictError('All winners of this challenge are already chosen');
      }
      const [rival] = await tx
        .select({ id: challengeEntries.id })
        .from(challengeEntries)
        .where(
          and(
            eq(challengeEntries.challengeId, challenge.id),
            eq(challengeEntries.betReference, entry.betReference),
            eq(challengeEntries.status, 'approved'),
          ),
        );
      if (rival) {
        throw new ConflictError('This bet was already approved for another user');
      }
    }
    const [updated] = await tx
      .update(challengeEntries)
      .set({
        status: input.decision === 'approve' ? 'approved' : 'rejected',
        reviewedBy: ctx.user?.id ?? null,
        reviewedAt: new Date(),
      })
      .where(eq(challengeEntries.id, input.entryId))
      .returning();
    await recordAudit(tx, actorOf(ctx), {
      action: `challenge.${input.decision}`,
      targetType: 'challengeEntry',
      targetId: input.entryId,
      details: { challengeId: challenge.id, userId: entry.userId },
    });
    return { entry: updated, challenge };
  });
  if (result.entry?.status === 'approved') {
    await ctx.bus.publish('user.notification', {
      userId: result.entry.userId,
      kind: 'challenge.approved',
      title: 'Challenge won!',
      body: `Your entry for “${result.challenge.title}” was approved: you win ${result.challenge.prize}.`,
      at: new Date().toISOString(),
    });
  }
  return result.entry;
}

export const challengeDisputesInput = z.object({
  /** One challenge's disputes; all challenges' when absent. */
  challengeId: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export interface DisputedEntry {
  id: number;
  userId: string;
  username: string;
  status: 'pending' | 'approved' | 'rejected';
  multiplier: string;
  betAmount: string;
  createdAt: Date;
}

export interface Dispute {
  challengeId: number;
  challengeTitle: string;
  betReference: string;
  /** Oldest first: who entered the bet, in order. */
  entries: DisputedEntry[];
}

/** Bets entered by more than one user, most recently contested first. */
export async function listDisputes(db: Db, input: z.output<typeof challengeDisputesInput>): Promise<Dispute[]> {
  const contested = await db
    .select({
      challengeId: challengeEntries.challengeId,
      betReference: challengeEntries.betReference,
      latest: max(challengeEntries.createdAt),
    })
    .from(challengeEntries)
    .where(input.challengeId ? eq(challengeEntries.challengeId, input.challengeId) : undefined)
    .groupBy(challengeEntries.challengeId, challengeEntries.betReference)
    .having(sql`count(distinct ${challengeEntries.userId}) > 1`)
    .orderBy(desc(max(challengeEntries.createdAt)))
    .limit(input.limit);
  if (contested.length === 0) return [];
  const rows = await entriesWithNames(db)
    .where(
      and(
        inArray(
          challengeEntries.challengeId,
          contested.map((c) => c.challengeId),
        ),
        inArray(
          challengeEntries.betReference,
          contested.map((c) => c.betReference),
        ),
      ),
    )
    .orderBy(challengeEntries.id);
  return contested.map((c) => {
    const entries = rows.filter((r) => r.challengeId === c.challengeId && r.betReference === c.betReference);
    return {
      challengeId: c.challengeId,
      challengeTitle: entries[0]?.challengeTitle ?? '',
      betReference: c.betReference,
      entries: entries.map(({ challengeId: _c, challengeTitle: _t, betReference: _b, ...entry }) => entry),
    };
  });
}
