/**
 * What the bot asks on behalf of a linked user (`/claim NAME`, `/stats`, `/race`) and of a
 * linked admin (the Approve / Reject buttons under a new claim). As everywhere in the bot's
 * procedures, the bot relays the Telegram user's id and the server decides from the account
 * linked to it: a callback from anyone but a linked admin is FORBIDDEN.
 */
import { type Db, schema } from '@goated/db';
import { TRPCError, tracked } from '@trpc/server';
import { and, asc, eq, gt, isNotNull } from 'drizzle-orm';
import { z } from 'zod';
import type { AppDeps } from '../context';
import { NotFoundError } from '../errors';
import { busEvents } from '../events/iterate';
import type { AuditActor } from './audit';
import { type ClaimView, casinoNameSchema, claimPlayer } from './claims';
import { type ClaimQueueItem, claimForReview } from './claims-queue';
import { approveClaim, rejectClaim, rejectReasonSchema } from './claims-review';
import { type AccountStanding, accountStanding } from './standing';
import { requireLinkedAdmin, telegramIdSchema } from './telegram';

const { users, playerClaims } = schema;

const claimId = z.number({ message: 'Claim id must be a number' }).int().positive();

export const telegramClaimInput = z.object({ telegramId: telegramIdSchema, name: casinoNameSchema });

export const telegramReviewInput = z.discriminatedUnion('decision', [
  z.object({ requesterTelegramId: telegramIdSchema, claimId, decision: z.literal('approve') }),
  z.object({
    requesterTelegramId: telegramIdSchema,
    claimId,
    decision: z.literal('reject'),
    reason: rejectReasonSchema,
  }),
]);

export const telegramClaimLookupInput = z.object({ requesterTelegramId: telegramIdSchema, claimId });

type Deps = Pick<AppDeps, 'db' | 'bus' | 'log' | 'live'>;

async function linkedUser(db: Db, telegramId: number) {
  const [user] = await db
    .select({ id: users.id, username: users.displayName, banned: users.banned, playerUid: users.playerUid })
    .from(users)
    .where(eq(users.telegramId, telegramId));
  if (!user) throw new TRPCError({ code: 'NOT_FOUND', message: 'No account is linked to this Telegram user' });
  if (user.banned) throw new TRPCError({ code: 'FORBIDDEN', message: 'This account is banned' });
  return user;
}

/** `/claim NAME`: a claim for the account linked to this Telegram user. */
export async function claimFromTelegram(
  deps: Deps,
  actor: AuditActor,
  input: z.output<typeof telegramClaimInput>,
): Promise<ClaimView> {
  const user = await linkedUser(deps.db, input.telegramId);
  return claimPlayer(deps, { ...actor, userId: user.id }, user.id, { name: input.name }, 'telegram');
}

export interface TelegramStanding {
  username: string;
  /** null: no casino player linked yet (`/claim NAME`). */
  standing: AccountStanding | null;
}

/** `/stats` and `/race`: the linked user's standing, or null when this Telegram user is not linked. */
export async function standingByTelegramId(deps: Deps, telegramId: number): Promise<TelegramStanding | null> {
  const [user] = await deps.db
    .select({ id: users.id, username: users.displayName, banned: users.banned })
    .from(users)
    .where(eq(users.telegramId, telegramId));
  if (!user) return null;
  if (user.banned) throw new TRPCError({ code: 'FORBIDDEN', message: 'This account is banned' });
  return { username: user.username, standing: await accountStanding(deps, user.id) };
}

/** An inline button under a claim: approve, or reject with the reason the admin typed. */
export async function reviewClaimFromTelegram(
  deps: Deps,
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
