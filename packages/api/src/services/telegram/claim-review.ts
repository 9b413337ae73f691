/**
 * Claims reviewed from Telegram: new claims go to every linked admin with Approve / Reject
 * buttons, and a button press is a review in the name of the admin linked to whoever pressed
 * it — a callback from anyone but a linked admin is FORBIDDEN.
 */
import { type Db, schema } from '@goated/db';
import { tracked } from '@trpc/server';
import { and, asc, eq, gt, isNotNull } from 'drizzle-orm';
import { z } from 'zod';
import type { AppDeps } from '../../context';
import { NotFoundError } from '../../errors';
import { busEvents } from '../../events/iterate';
import type { AuditActor } from '../audit';
import type { ClaimView } from '../claims';
import { type ClaimQueueItem, claimForReview } from '../claims-queue';
import { approveClaim, rejectClaim, rejectReasonSchema } from '../claims-review';
import { requireLinkedAdmin, type TelegramDeps } from './identity';
import { requester } from './inputs';

const { users, playerClaims } = schema;

const claimId = z.number({ message: 'Claim id must be a number' }).int().positive();

export const telegramReviewInput = z.discriminatedUnion('decision', [
  z.object({ ...requester, claimId, decision: z.literal('approve') }),
  z.object({ ...requester, claimId, decision: z.literal('reject'), reason: rejectReasonSchema }),
]);

export const telegramClaimLookupInput = z.object({ ...requester, claimId });

/** An inline button under a claim: approve, or reject with the reason the admin typed. */
export async function reviewClaimFromTelegram(
  deps: TelegramDeps,
  actor: AuditActor,
  input: z.output<typeof telegramReviewInput>,
): Promise<ClaimView> {
  const admin = await requireLinkedAdmin(deps.db, input.requesterTelegramId);
  const asAdmin = { ...actor, userId: admin.id };
  return input.decision === 'approve'
    ? approveClaim(deps, asAdmin, input.claimId)
    : rejectClaim(deps, asAdmin, { id: input.claimId, reason: input.reason });
}

/** The claim behind a button, for a linked admin (the bot asks before prompting for a reason). */
export async function claimForTelegramAdmin(
  db: Db,
  input: z.output<typeof telegramClaimLookupInput>,
): Promise<ClaimQueueItem> {
  await requireLinkedAdmin(db, input.requesterTelegramId);
  return claimForReview(db, input.claimId);
}

export interface ClaimForAdmins {
  claim: ClaimQueueItem;
  /** Linked, non-banned admins to send it to. */
  adminTelegramIds: number[];
}

async function adminTelegramIds(db: Db): Promise<number[]> {
  const rows = await db
    .select({ telegramId: users.telegramId })
    .from(users)
    .where(and(eq(users.role, 'admin'), eq(users.banned, false), isNotNull(users.telegramId)))
    .orderBy(asc(users.telegramId));
  return rows.map((r) => r.telegramId).filter((id): id is number => id !== null);
}

/** A claim still waiting for review, with its reviewers; null once it is gone or settled. */
async function pendingForAdmins(db: Db, id: number): Promise<ClaimForAdmins | null> {
  try {
    const claim = await claimForReview(db, id);
    return claim.status === 'pending' ? { claim, adminTelegramIds: await adminTelegramIds(db) } : null;
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

/**
 * New claims for linked admins to review, tracked by claim id: a bot that reconnects with
 * `lastEventId` first gets the claims filed meanwhile that are still pending.
 */
export async function* claimsForAdmins(
  deps: Pick<AppDeps, 'db' | 'bus'>,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
) {
  const events = busEvents(deps.bus, 'claim.created', signal, { maxQueued: 1000 });
  const seen = new Set<number>();
  const after = Number(lastEventId);
  try {
    if (lastEventId && Number.isSafeInteger(after) && after > 0) {
      const missed = await deps.db
        .select({ id: playerClaims.id })
        .from(playerClaims)
        .where(and(gt(playerClaims.id, after), eq(playerClaims.status, 'pending')))
        .orderBy(asc(playerClaims.id))
        .limit(200);
      for (const { id } of missed) {
        seen.add(id);
        const item = await pendingForAdmins(deps.db, id);
        if (item) yield tracked(String(id), item);
      }
    }
    for await (const event of events) {
      if (seen.has(event.claimId)) continue;
      seen.add(event.claimId);
      const item = await pendingForAdmins(deps.db, event.claimId);
      if (item) yield tracked(String(event.claimId), item);
    }
  } finally {
    await events.return(undefined);
  }
}
