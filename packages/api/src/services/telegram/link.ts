/**
 * The Telegram link's life: a one-time code from the dashboard, `/verify CODE` in the bot, then a
 * confirmation code the bot sends back, entered on the dashboard. A link made with the first
 * code alone proves only that someone held it (a screenshot, a shared `t.me/…?start=` link are
 * enough), so it counts for nothing sensitive until confirmed: the confirmation proves the same
 * person holds the account and the Telegram chat. Password resets through the bot need a
 * confirmed link and are never given to admins; every link, unlink and reset is told to the
 * account (`user.notification`) and audited.
 */
import { type Db, schema } from '@goated/db';
import { and, eq, gt, isNotNull, isNull, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { AppDeps } from '../../context';
import {
  ConflictError,
  ForbiddenError,
  fieldError,
  NotFoundError,
  notFound,
  PreconditionFailedError,
} from '../../errors';
import { type AuditActor, recordAudit } from '../audit';
import { issueResetToken, type ResetToken } from '../auth/accounts';
import { generateCode, sha256 } from '../auth/credentials';
import { isUniqueViolation } from '../db-errors';
import { notify } from '../notifications/notify';
import { CONFIRM_LINK_FIRST, requireLinkedAccount } from './identity';
import { telegramIdSchema } from './inputs';

const { users, telegramLinkCodes } = schema;

/** How long a link code works. A newer code replaces the older unused ones at once. */
export const LINK_CODE_TTL_MS = 10 * 60_000;
const LINK_CODE_LENGTH = 8;
const CONFIRM_CODE_LENGTH = 6;

/** Codes are shown in capitals; people type them in any case, with spaces or a dash. */
function codeSchema(length: number, message: string) {
  return z
    .string({ message: 'must be text' })
    .max(64, message)
    .transform((raw) => raw.replace(/[\s-]/g, '').toUpperCase())
    .pipe(z.string().regex(new RegExp(`^[A-Z0-9]{${length}}$`), message));
}

export const linkCodeSchema = codeSchema(LINK_CODE_LENGTH, 'must be the 8-character code shown on the dashboard');

export const verifyLinkInput = z.object({
  code: linkCodeSchema,
  telegramId: telegramIdSchema,
  /** The Telegram @username (without @), shown on the dashboard; optional on Telegram. */
  telegramUsername: z.string().trim().min(1).max(64).nullish(),
});

export const confirmLinkInput = z.object({
  code: codeSchema(CONFIRM_CODE_LENGTH, 'must be the 6-character code the bot sent you'),
});

export interface LinkCode {
  /** Shown once on the dashboard; the user sends `/verify CODE` to the bot. */
  code: string;
  expiresAt: Date;
}

/** A new code for this user; the user's earlier unused codes stop working. */
export async function createLinkCode(db: Db, userId: string, now = new Date()): Promise<LinkCode> {
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  return db.transaction(async (tx) => {
    // The user row lock makes concurrent requests queue, so exactly one code is left live.
    const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
    if (!user) throw notFound('User');
    await tx
      .update(telegramLinkCodes)
      .set({ expiresAt: now })
      .where(
        and(
          eq(telegramLinkCodes.userId, userId),
          isNull(telegramLinkCodes.usedAt),
          gt(telegramLinkCodes.expiresAt, now),
        ),
      );
    // 32^8 codes: a collision is all but impossible, and costs only another draw.
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = generateCode(LINK_CODE_LENGTH);
      const inserted = await tx
        .insert(telegramLinkCodes)
        .values({ code, userId, expiresAt, createdAt: now })
        .onConflictDoNothing()
        .returning({ code: telegramLinkCodes.code });
      if (inserted.length > 0) return { code, expiresAt };
    }
    throw new Error('could not draw an unused link code');
  });
}

export interface VerifiedLink {
  username: string;
  role: 'user' | 'admin';
  /** The Telegram account was linked to another user before; it now belongs to this one. */
  movedFromAnotherAccount: boolean;
  /** For the bot to send to this chat only: entered on the dashboard, it confirms the link. */
  confirmationCode: string;
}

const unlinked = {
  telegramId: null,
  telegramUsername: null,
  telegramConfirmedAt: null,
  telegramConfirmCodeHash: null,
} as const;

/**
 * Links the Telegram account to the user who created the code, atomically and once — but
 * unconfirmed. Errors: NOT_FOUND (no such code), CONFLICT (already used), PRECONDITION_FAILED
 * (expired or replaced by a newer code), FORBIDDEN (the account is banned).
 *
 * A Telegram account linked to another user is **moved**: a person can hold one link at a time.
 * The previous account is told through a notification, and both changes are in the audit log.
 */
export async function verifyLink(
  deps: Pick<AppDeps, 'db' | 'bus'>,
  actor: AuditActor,
  input: z.output<typeof verifyLinkInput>,
  now = new Date(),
): Promise<VerifiedLink> {
  const confirmationCode = generateCode(CONFIRM_CODE_LENGTH);
  let outcome: { user: typeof users.$inferSelect; previousHolder: string | null };
  try {
    outcome = await deps.db.transaction(async (tx) => {
      // Locking the code row serializes two uses of the same code: the second sees it used.
      const [code] = await tx
        .select()
        .from(telegramLinkCodes)
        .where(eq(telegramLinkCodes.code, input.code))
        .for('update');
      if (!code) {
        throw new NotFoundError('This link code does not exist; check it, or create a new one on the dashboard');
      }
      if (code.usedAt) throw new ConflictError('This link code was already used');
      if (code.expiresAt <= now) {
        throw new PreconditionFailedError(
          'This link code has expired or was replaced by a newer one; create a new one on the dashboard',
        );
      }
      const [user] = await tx.select().from(users).where(eq(users.id, code.userId)).for('update');
      if (!user) throw notFound('User');
      if (user.banned) throw new ForbiddenError('This account is banned');

      const moved = await tx
        .update(users)
        .set({ ...unlinked, updatedAt: now })
        .where(and(eq(users.telegramId, input.telegramId), ne(users.id, user.id)))
        .returning({ id: users.id });
      const previousHolder = moved[0]?.id ?? null;
      const [linked] = await tx
        .update(users)
        .set({
          telegramId: input.telegramId,
          telegramUsername: input.telegramUsername ?? null,
          telegramConfirmedAt: null,
          telegramConfirmCodeHash: sha256(confirmationCode),
          updatedAt: now,
        })
        .where(eq(users.id, user.id))
        .returning();
      await tx.update(telegramLinkCodes).set({ usedAt: now }).where(eq(telegramLinkCodes.code, input.code));
      if (previousHolder) {
        await recordAudit(tx, actor, {
          action: 'telegram.unlink',
          targetType: 'user',
          targetId: previousHolder,
          details: { telegramId: input.telegramId, reason: 'linked to another account', newUserId: user.id },
        });
      }
      await recordAudit(tx, actor, {
        action: 'telegram.link',
        targetType: 'user',
        targetId: user.id,
        details: { telegramId: input.telegramId, replacedTelegramId: user.telegramId, movedFrom: previousHolder },
      });
      return { user: linked ?? user, previousHolder };
    });
  } catch (err) {
    // Two different codes linking one Telegram account at the same instant: one wins.
    if (isUniqueViolation(err)) {
      throw new ConflictError('This Telegram account is being linked right now; try again');
    }
    throw err;
  }

  const handle = input.telegramUsername ? `@${input.telegramUsername}` : 'A Telegram account';
  // The new chat already has the bot's answer (with the code): the notice is for the dashboard.
  await notify(deps, outcome.user.id, {
    kind: 'account',
    type: 'telegram.linked',
    title: 'Telegram linked — confirm it',
    body: `${handle} was linked to your account. If that was you, enter the code the bot sent you on your profile to confirm it. If not, remove the link there.`,
    link: '/profile',
    notOnTelegram: true,
  });
  if (outcome.previousHolder) {
    await notify(deps, outcome.previousHolder, {
      kind: 'account',
      type: 'telegram.unlinked',
      title: 'Telegram unlinked',
      body: 'Your Telegram account was linked to another account and is no longer linked to this one.',
      notOnTelegram: true,
    });
  }
  return {
    username: outcome.user.displayName,
    role: outcome.user.role,
    movedFromAnotherAccount: outcome.previousHolder !== null,
    confirmationCode,
  };
}

/** The code the bot sent, entered on the dashboard: from now on the link counts. */
export async function confirmLink(
  deps: Pick<AppDeps, 'db' | 'bus'>,
  actor: AuditActor,
  userId: string,
  input: z.output<typeof confirmLinkInput>,
): Promise<{ confirmed: true }> {
  const confirmed = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(users)
      .set({ telegramConfirmedAt: new Date(), telegramConfirmCodeHash: null, updatedAt: new Date() })
      .where(
        and(eq(users.id, userId), isNotNull(users.telegramId), eq(users.telegramConfirmCodeHash, sha256(input.code))),
      )
      .returning({ telegramId: users.telegramId });
    if (!row) return null;
    await recordAudit(tx, actor, {
      action: 'telegram.confirm',
      targetType: 'user',
      targetId: userId,
      details: { telegramId: row.telegramId },
    });
    return row;
  });
  if (!confirmed) {
    const [user] = await deps.db
      .select({ telegramId: users.telegramId, confirmedAt: users.telegramConfirmedAt })
      .from(users)
      .where(eq(users.id, userId));
    if (user?.telegramId == null) {
      throw new PreconditionFailedError('No Telegram account is linked to confirm');
    }
    if (user.confirmedAt) throw new ConflictError('This Telegram link is already confirmed');
    throw fieldError('BAD_REQUEST', ['code'], 'is not the code the bot sent for this link');
  }
  return { confirmed: true };
}

/** The user removes their Telegram link (an unknown one, or one they no longer want). */
export async function unlinkTelegram(
  deps: Pick<AppDeps, 'db' | 'bus'>,
  actor: AuditActor,
  userId: string,
): Promise<{ unlinked: boolean }> {
  const removed = await deps.db.transaction(async (tx) => {
    const [before] = await tx.select({ telegramId: users.telegramId }).from(users).where(eq(users.id, userId));
    if (before?.telegramId == null) return false;
    await tx
      .update(users)
      .set({ ...unlinked, updatedAt: new Date() })
      .where(eq(users.id, userId));
    await recordAudit(tx, actor, {
      action: 'telegram.unlink',
      targetType: 'user',
      targetId: userId,
      details: { telegramId: before.telegramId, reason: 'removed by the user' },
    });
    return true;
  });
  if (removed) {
    await notify(deps, userId, {
      kind: 'account',
      type: 'telegram.unlinked',
      title: 'Telegram unlinked',
      body: 'Your Telegram account is no longer linked to this account.',
      notOnTelegram: true,
    });
  }
  return { unlinked: removed };
}

/**
 * `/reset`: a password-reset token for the account linked to this Telegram user — only for a
 * confirmed link, never for an admin (another admin issues theirs), at most a few an hour per
 * Telegram user. The account is told (web and Telegram).
 */
export async function issueResetTokenFor(
  deps: Pick<AppDeps, 'db' | 'bus' | 'rateLimits'>,
  actor: AuditActor,
  telegramId: number,
): Promise<ResetToken> {
  await deps.rateLimits?.consume('telegramReset', `tg:${telegramId}`);
  const user = await requireLinkedAccount(deps.db, telegramId);
  if (user.role === 'admin') {
    throw new ForbiddenError(
      'Admins cannot reset their password through Telegram; another admin can issue a reset token',
    );
  }
  if (!user.confirmedAt) throw new PreconditionFailedError(CONFIRM_LINK_FIRST);
  return issueResetToken(deps, actor, user.id, 'through Telegram');
}
