/**
 * Player claims, the admins' side: approve and reject (from the dashboard or Telegram's inline
 * buttons), and linking or unlinking a player directly. Everything that links a player takes
 * the player's link lock first (`lockPlayerLinks`), so two approvals of claims on one player
 * link exactly one; every step is audited and the user is notified.
 */
import { schema, type Tx } from '@goated/db';
import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import { ConflictError, fieldError, notFound } from '../errors';
import { type AuditActor, recordAudit } from './audit';
import { type ClaimView, claimById, holderOf, lockPlayerLinks, playerUidSchema } from './claims';
import { isUniqueViolation } from './db-errors';
import { type NotifyDeps, notify } from './notifications/notify';
import { forgetRacePositions, refreshRacePositions } from './notifications/race-positions';

const { playerClaims, players, users } = schema;

const SUPERSEDED = 'This player was linked to another account.';

export const claimIdInput = z.object({ id: z.number({ message: 'Claim id must be a number' }).int().positive() });

export const rejectReasonSchema = z
  .string({ message: 'Reason must be text' })
  .trim()
  .min(1, 'Reason is required: the user sees it')
  .max(500, 'Reason must be at most 500 characters')
  .refine((s) => !/\p{Cc}/u.test(s.replace(/\n/g, '')), 'Reason must not contain control characters');

export const claimRejectInput = claimIdInput.extend({ reason: rejectReasonSchema });

/** An account id from a list the admin picked from. */
const userIdSchema = z
  .string({ message: 'User must be given' })
  .min(1, 'User is required')
  .max(64, 'User is not a user id')
  .refine((s) => !/\p{Cc}/u.test(s), 'User is not a user id');

export const linkPlayerInput = z.object({ userId: userIdSchema, uid: playerUidSchema });

export const unlinkPlayerInput = z.object({ userId: userIdSchema });

/** Other users' pending claims on a player that was just linked: they can no longer succeed. */
async function supersedeClaims(
  tx: Tx,
  actor: AuditActor,
  uid: string,
  keepClaimId: number | null,
  now: Date,
): Promise<{ id: number; userId: string }[]> {
  const closed = await tx
    .update(playerClaims)
    .set({ status: 'rejected', reason: SUPERSEDED, reviewedBy: actor.userId, reviewedAt: now, updatedAt: now })
    .where(
      and(
        eq(playerClaims.playerUid, uid),
        eq(playerClaims.status, 'pending'),
        keepClaimId === null ? undefined : ne(playerClaims.id, keepClaimId),
      ),
    )
    .returning({ id: playerClaims.id, userId: playerClaims.userId });
  for (const claim of closed) {
    await recordAudit(tx, actor, {
      action: 'claim.reject',
      targetType: 'claim',
      targetId: claim.id,
      details: { userId: claim.userId, playerUid: uid, reason: SUPERSEDED, automatic: true },
    });
  }
  return closed;
}

/** Tells users whose claims were closed because the player went to someone else. */
async function tellSuperseded(deps: NotifyDeps, closed: { userId: string }[], playerName: string): Promise<void> {
  for (const claim of closed) {
    await notify(deps, claim.userId, {
      kind: 'claims',
      type: 'claim.rejected',
      title: 'Claim rejected',
      body: `Your claim to “${playerName}” was rejected: ${SUPERSEDED} If that is you, contact an admin.`,
      link: '/profile',
    });
  }
}

/** The user's place in live races starts being tracked at once (a baseline, nothing announced). */
async function placeInLiveRaces(deps: NotifyDeps, uid: string): Promise<void> {
  try {
    await refreshRacePositions(deps, { threshold: 1, uid });
  } catch (err) {
    deps.log?.warn({ err, uid }, 'could not place a newly linked player in live races; the next refresh will');
  }
}

async function withLinkConflicts<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    // The users.player_uid unique index: a link made outside the lock (it should never happen).
    if (isUniqueViolation(err)) throw new ConflictError('This player is already linked to another account');
    throw err;
  }
}

/** Approves a pending claim: links the player to the claimant, closes others' claims on it. */
export async function approveClaim(
  deps: NotifyDeps,
  actor: AuditActor,
  claimId: number,
  now = new Date(),
): Promise<ClaimView> {
  const [head] = await deps.db
    .select({ uid: playerClaims.playerUid })
    .from(playerClaims)
    .where(eq(playerClaims.id, claimId));
  if (!head) throw notFound('Claim');
  const { claim, closed } = await withLinkConflicts(() =>
    deps.db.transaction(async (tx) => {
      // The player's lock first, then rows: every linker takes them in this order (no deadlock).
      await lockPlayerLinks(tx, head.uid);
      const [claim] = await tx.select().from(playerClaims).where(eq(playerClaims.id, claimId)).for('update');
      if (!claim) throw notFound('Claim');
      if (claim.status !== 'pending') throw new ConflictError(`This claim was already ${claim.status}`);
      const holder = await holderOf(tx, claim.playerUid);
      if (holder && holder.id !== claim.userId) {
        throw new ConflictError(`This player is already linked to ${holder.username}`);
      }
      const [user] = await tx.select().from(users).where(eq(users.id, claim.userId)).for('update');
      if (!user) throw notFound('User');
      if (user.banned) throw new ConflictError(`${user.displayName} is banned: unban the account before approving`);
      if (user.playerUid && user.playerUid !== claim.playerUid) {
        throw new ConflictError(`${user.displayName} is already linked to another player: unlink it first`);
      }
      await tx.update(users).set({ playerUid: claim.playerUid, updatedAt: now }).where(eq(users.id, user.id));
      await tx
        .update(playerClaims)
        .set({ status: 'approved', reviewedBy: actor.userId, reviewedAt: now, updatedAt: now })
        .where(eq(playerClaims.id, claimId));
      await recordAudit(tx, actor, {
        action: 'claim.approve',
        targetType: 'claim',
        targetId: claimId,
        details: { userId: user.id, playerUid: claim.playerUid },
      });
      const closed = await supersedeClaims(tx, actor, claim.playerUid, claimId, now);
      return { claim, closed };
    }),
  );
  const view = await claimById(deps.db, claimId);
  if (!view) throw notFound('Claim');
  await notify(deps, claim.userId, {
    kind: 'claims',
    type: 'claim.approved',
    title: 'Claim approved',
    body: `You are now linked to the casino player “${view.player.name}”: your standing is on your profile.`,
    link: '/profile',
  });
  await tellSuperseded(deps, closed, view.player.name);
  await placeInLiveRaces(deps, claim.playerUid);
  return view;
}

/** Rejects a pending claim with a reason the user reads. */
export async function rejectClaim(
  deps: NotifyDeps,
  actor: AuditActor,
  input: z.output<typeof claimRejectInput>,
  now = new Date(),
): Promise<ClaimView> {
  const userId = await deps.db.transaction(async (tx) => {
    const [claim] = await tx.select().from(playerClaims).where(eq(playerClaims.id, input.id)).for('update');
    if (!claim) throw notFound('Claim');
    if (claim.status !== 'pending') throw new ConflictError(`This claim was already ${claim.status}`);
    await tx
      .update(playerClaims)
      .set({ status: 'rejected', reason: input.reason, reviewedBy: actor.userId, reviewedAt: now, updatedAt: now })
      .where(eq(playerClaims.id, input.id));
    await recordAudit(tx, actor, {
      action: 'claim.reject',
      targetType: 'claim',
      targetId: input.id,
      details: { userId: claim.userId, playerUid: claim.playerUid, reason: input.reason },
    });
    return claim.userId;
  });
  const view = await claimById(deps.db, input.id);
  if (!view) throw notFound('Claim');
  await notify(deps, userId, {
    kind: 'claims',
    type: 'claim.rejected',
    title: 'Claim rejected',
    body: `Your claim to “${view.player.name}” was rejected: ${input.reason}`,
    link: '/profile',
  });
  return view;
}

export interface PlayerLink {
  userId: string;
  username: string;
  player: { uid: string; name: string } | null;
}

/** An admin links a player to an account directly (no claim needed). */
export async function linkPlayer(
  deps: NotifyDeps,
  actor: AuditActor,
  input: z.output<typeof linkPlayerInput>,
  now = new Date(),
): Promise<PlayerLink> {
  const [player] = await deps.db
    .select({ uid: players.uid, name: players.name })
    .from(players)
    .where(eq(players.uid, input.uid));
  if (!player) throw fieldError('NOT_FOUND', ['uid'], 'matches no casino player');
  const outcome = await withLinkConflicts(() =>
    deps.db.transaction(async (tx) => {
      await lockPlayerLinks(tx, player.uid);
      const [user] = await tx.select().from(users).where(eq(users.id, input.userId)).for('update');
      if (!user) throw notFound('User');
      const holder = await holderOf(tx, player.uid);
      if (holder?.id === user.id) return { user, changed: false, closed: [] };
      if (holder) throw new ConflictError(`This player is already linked to ${holder.username}`);
      if (user.playerUid)
        throw new ConflictError(`${user.displayName} is already linked to another player: unlink it first`);
      await tx.update(users).set({ playerUid: player.uid, updatedAt: now }).where(eq(users.id, user.id));
      // The user's own pending claim is settled by this link.
      const own = await tx
        .update(playerClaims)
        .set({ status: 'approved', reviewedBy: actor.userId, reviewedAt: now, updatedAt: now })
        .where(
          and(
            eq(playerClaims.userId, user.id),
            eq(playerClaims.playerUid, player.uid),
            eq(playerClaims.status, 'pending'),
          ),
        )
        .returning({ id: playerClaims.id });
      await tx
        .update(playerClaims)
        .set({ status: 'cancelled', reason: 'An admin linked another player to your account', updatedAt: now })
        .where(and(eq(playerClaims.userId, user.id), eq(playerClaims.status, 'pending')));
      await recordAudit(tx, actor, {
        action: 'user.linkPlayer',
        targetType: 'user',
        targetId: user.id,
        details: { playerUid: player.uid, claimId: own[0]?.id ?? null },
      });
      const closed = await supersedeClaims(tx, actor, player.uid, null, now);
      return { user, changed: true, closed };
    }),
  );
  if (outcome.changed) {
    await notify(deps, outcome.user.id, {
      kind: 'claims',
      type: 'player.linked',
      title: 'Casino player linked',
      body: `An admin linked the casino player “${player.name}” to your account: your standing is on your profile.`,
      link: '/profile',
    });
    await tellSuperseded(deps, outcome.closed, player.name);
    await placeInLiveRaces(deps, player.uid);
  }
  return { userId: outcome.user.id, username: outcome.user.displayName, player };
}

/** An admin detaches the player from an account (e.g. a wrong approval). */
export async function unlinkPlayer(
  deps: NotifyDeps,
  actor: AuditActor,
  input: z.output<typeof unlinkPlayerInput>,
  now = new Date(),
): Promise<PlayerLink> {
  const outcome = await deps.db.transaction(async (tx) => {
    const [user] = await tx.select().from(users).where(eq(users.id, input.userId)).for('update');
    if (!user) throw notFound('User');
    if (!user.playerUid) throw new ConflictError(`${user.displayName} is not linked to a casino player`);
    const [player] = await tx.select({ name: players.name }).from(players).where(eq(players.uid, user.playerUid));
    await tx.update(users).set({ playerUid: null, updatedAt: now }).where(eq(users.id, user.id));
    await recordAudit(tx, actor, {
      action: 'user.unlinkPlayer',
      targetType: 'user',
      targetId: user.id,
      details: { playerUid: user.playerUid },
    });
    return { user, uid: user.playerUid, name: player?.name ?? user.playerUid };
  });
  await forgetRacePositions(deps, outcome.uid);
  await notify(deps, outcome.user.id, {
    kind: 'claims',
    type: 'player.unlinked',
    title: 'Casino player unlinked',
    body: `An admin unlinked the casino player “${outcome.name}” from your account. You can claim your player again from your profile.`,
    link: '/profile',
  });
  return { userId: outcome.user.id, username: outcome.user.displayName, player: null };
}
