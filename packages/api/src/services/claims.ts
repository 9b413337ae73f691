/**
 * Player claims, the user's side: "I am this casino player" by casino username (exact and
 * case-insensitive, on the name the feed reports now) or by uid; pending until an admin
 * approves (claims-review.ts). Rules: a player belongs to at most one account, a user has at
 * most one pending claim, a claim of a linked player is a CONFLICT.
 */
import { type Db, schema, type Tx } from '@goated/db';
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ConflictError, ForbiddenError, fieldError, NotFoundError, notFound } from '../errors';
import { type AuditActor, recordAudit } from './audit';
import { isUniqueViolation } from './db-errors';
import { type NotifyDeps, notify } from './notifications/notify';

const { playerClaims, players, users } = schema;

/** Text a person typed: trimmed, no control characters (a NUL would fail in the database). */
function typed(label: string, max: number) {
  return z
    .string({ message: `${label} must be text` })
    .trim()
    .min(1, `${label} is required`)
    .max(max, `${label} must be at most ${max} characters`)
    .refine((s) => !/\p{Cc}/u.test(s), `${label} must not contain control characters`);
}

export const casinoNameSchema = typed('Casino username', 64);
export const playerUidSchema = typed('Player id', 128);

export const claimPlayerInput = z.union(
  [z.object({ name: casinoNameSchema }).strict(), z.object({ uid: playerUidSchema }).strict()],
  { error: 'Give your casino username (name) or your player id (uid)' },
);
export type ClaimPlayerInput = z.output<typeof claimPlayerInput>;

export type ClaimStatus = (typeof schema.claimStatus.enumValues)[number];

export interface ClaimView {
  id: number;
  status: ClaimStatus;
  player: { uid: string; name: string };
  /** How the user named the player, and what they typed. */
  method: 'name' | 'uid';
  claimedAs: string;
  /** Why it was rejected (or closed), for the user to read. */
  reason: string | null;
  createdAt: Date;
  reviewedAt: Date | null;
}

/** The user's latest claim; `none` when they never claimed or cancelled the last one. */
export type MyClaim = { status: 'none' } | ClaimView;

export const claimColumns = {
  id: playerClaims.id,
  status: playerClaims.status,
  playerUid: playerClaims.playerUid,
  playerName: players.name,
  method: playerClaims.method,
  claimedAs: playerClaims.claimedAs,
  reason: playerClaims.reason,
  createdAt: playerClaims.createdAt,
  reviewedAt: playerClaims.reviewedAt,
};

interface ClaimRow {
  id: number;
  status: ClaimStatus;
  playerUid: string;
  playerName: string;
  method: 'name' | 'uid';
  claimedAs: string;
  reason: string | null;
  createdAt: Date;
  reviewedAt: Date | null;
}

export function toClaimView(row: ClaimRow): ClaimView {
  return {
    id: row.id,
    status: row.status,
    player: { uid: row.playerUid, name: row.playerName },
    method: row.method,
    claimedAs: row.claimedAs,
    reason: row.reason,
    createdAt: row.createdAt,
    reviewedAt: row.reviewedAt,
  };
}

export async function claimById(db: Db | Tx, id: number): Promise<ClaimView | null> {
  const [row] = await db
    .select(claimColumns)
    .from(playerClaims)
    .innerJoin(players, eq(players.uid, playerClaims.playerUid))
    .where(eq(playerClaims.id, id));
  return row ? toClaimView(row) : null;
}

/**
 * Serializes everything that links accounts to one player (claims, approvals, an admin's
 * direct link) for the rest of the transaction: the second of two concurrent approvals sees
 * the first one's link. (Its own key space, apart from the sync's advisory lock.)
 */
export async function lockPlayerLinks(tx: Tx, uid: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(17017, hashtext(${uid}))`);
}

/** The account a player is linked to, if any. */
export async function holderOf(tx: Db | Tx, uid: string): Promise<{ id: string; username: string } | null> {
  const [row] = await tx
    .select({ id: users.id, username: users.displayName })
    .from(users)
    .where(eq(users.playerUid, uid));
  return row ?? null;
}

async function findPlayer(db: Db, input: ClaimPlayerInput): Promise<{ uid: string; name: string }> {
  if ('uid' in input) {
    const [row] = await db
      .select({ uid: players.uid, name: players.name })
      .from(players)
      .where(eq(players.uid, input.uid));
    if (!row) throw fieldError('NOT_FOUND', ['uid'], 'matches no casino player');
    return row;
  }
  const rows = await db
    .select({ uid: players.uid, name: players.name })
    .from(players)
    .where(sql`lower(${players.name}) = lower(${input.name})`)
    .limit(2);
  const [row, another] = rows;
  if (!row) {
    throw fieldError(
      'NOT_FOUND',
      ['name'],
      'matches no casino player: type it exactly as the casino shows it (new players appear after their first wager)',
    );
  }
  if (another) {
    throw fieldError('BAD_REQUEST', ['name'], 'matches several casino players: claim by player id, or ask an admin');
  }
  return row;
}

function pendingConflict(name: string): ConflictError {
  return new ConflictError(`You already have a claim pending for “${name}”: cancel it before claiming another player`);
}

/** Files a claim for `userId` (from the dashboard or `/claim` on Telegram). */
export async function claimPlayer(
  deps: NotifyDeps,
  actor: AuditActor,
  userId: string,
  input: ClaimPlayerInput,
  via: 'dashboard' | 'telegram' = 'dashboard',
): Promise<ClaimView> {
  const player = await findPlayer(deps.db, input);
  let claimId: number;
  try {
    claimId = await deps.db.transaction(async (tx) => {
      await lockPlayerLinks(tx, player.uid);
      const [user] = await tx
        .select({ playerUid: users.playerUid, banned: users.banned })
        .from(users)
        .where(eq(users.id, userId));
      if (!user) throw notFound('User');
      if (user.banned) throw new ForbiddenError('This account is banned');
      const holder = await holderOf(tx, player.uid);
      if (holder?.id === userId) throw new ConflictError(`“${player.name}” is already linked to your account`);
      if (holder) throw new ConflictError(`“${player.name}” is already linked to another account`);
      if (user.playerUid) {
        throw new ConflictError('Your account is already linked to a casino player; ask an admin to unlink it first');
      }
      const [pending] = await tx
        .select({ name: players.name })
        .from(playerClaims)
        .innerJoin(players, eq(players.uid, playerClaims.playerUid))
        .where(and(eq(playerClaims.userId, userId), eq(playerClaims.status, 'pending')));
      if (pending) throw pendingConflict(pending.name);
      const [claim] = await tx
        .insert(playerClaims)
        .values({
          userId,
          playerUid: player.uid,
          method: 'uid' in input ? 'uid' : 'name',
          claimedAs: 'uid' in input ? input.uid : input.name,
        })
        .returning({ id: playerClaims.id });
      if (!claim) throw new Error('claim insert returned nothing');
      await auditOwnClaim(tx, actor, userId, 'claim.create', claim.id, {
        playerUid: player.uid,
        method: 'uid' in input ? 'uid' : 'name',
      });
      return claim.id;
    });
  } catch (err) {
    // Two claims filed at the same instant: the one-pending-per-user index keeps one.
    if (isUniqueViolation(err)) throw pendingConflict(player.name);
    throw err;
  }
  await notify(deps, userId, {
    kind: 'claims',
    type: 'claim.submitted',
    title: 'Claim received',
    body: `You claimed the casino player “${player.name}”. An admin will review it; you will hear back here.`,
    link: '/profile',
    // Filed from Telegram, the bot has just said so in that chat.
    notOnTelegram: via === 'telegram',
  });
  await deps.bus.publish('claim.created', { claimId, at: new Date().toISOString() });
  const view = await claimById(deps.db, claimId);
  if (!view) throw notFound('Claim');
  return view;
}

/**
 * The user's latest claim: pending, approved or rejected (with the reason); `none` when they
 * never claimed or withdrew the last one. (A new claim needs no pending one, so a pending
 * claim is always the latest.)
 */
export async function myClaim(db: Db, userId: string): Promise<MyClaim> {
  const [row] = await db
    .select(claimColumns)
    .from(playerClaims)
    .innerJoin(players, eq(players.uid, playerClaims.playerUid))
    .where(eq(playerClaims.userId, userId))
    .orderBy(desc(playerClaims.id))
    .limit(1);
  if (!row || row.status === 'cancelled') return { status: 'none' };
  return toClaimView(row);
}

/** A user's own step on their claim, in the audit log: the actor is the user unless an API key acted for them. */
function auditOwnClaim(
  tx: Tx,
  actor: AuditActor,
  userId: string,
  action: 'claim.create' | 'claim.cancel',
  claimId: number,
  details: Record<string, string>,
) {
  return recordAudit(
    tx,
    { ...actor, userId: actor.userId ?? userId },
    { action, targetType: 'claim', targetId: claimId, details: { userId, ...details } },
  );
}

/** Withdraws the user's pending claim. */
export async function cancelClaim(deps: NotifyDeps, actor: AuditActor, userId: string): Promise<ClaimView> {
  const cancelledId = await deps.db.transaction(async (tx) => {
    const [cancelled] = await tx
      .update(playerClaims)
      .set({ status: 'cancelled', reason: 'Cancelled by you', updatedAt: new Date() })
      .where(and(eq(playerClaims.userId, userId), eq(playerClaims.status, 'pending')))
      .returning({ id: playerClaims.id, playerUid: playerClaims.playerUid });
    if (!cancelled) throw new NotFoundError('You have no pending claim to cancel');
    await auditOwnClaim(tx, actor, userId, 'claim.cancel', cancelled.id, { playerUid: cancelled.playerUid });
    return cancelled.id;
  });
  const view = await claimById(deps.db, cancelledId);
  if (!view) throw notFound('Claim');
  await notify(deps, userId, {
    kind: 'claims',
    type: 'claim.cancelled',
    title: 'Claim cancelled',
    body: `Your claim to “${view.player.name}” was withdrawn. You can claim a player again at any time.`,
    link: '/profile',
  });
  return view;
}
