import { randomUUID } from 'node:crypto';
import { type Db, schema, type Tx } from '@goated/db';
import { passwordSchema, usernameSchema } from '@goated/validators';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { AppDeps, Context } from '../../context';
import { BadRequestError, ForbiddenError, fieldError, notFound, UnauthorizedError } from '../../errors';
import { type AuditActor, recordAudit } from '../audit';
import { isUniqueViolation } from '../db-errors';
import { notify } from '../notifications/notify';
import {
  dummyPasswordHash,
  generateSecret,
  hashPassword,
  normalizeUsername,
  sha256,
  verifyPassword,
} from './credentials';
import { luciaFor } from './lucia';
import { signInThrottle } from './sign-in-throttle';

const { users, passwordResetTokens, sessions } = schema;
/** How long a reset token works. */
export const RESET_TOKEN_TTL_MS = 60 * 60_000;

/** `cookie` for browsers (HttpOnly cookie, no token in the body); `token` for scripts and bots. */
const sessionMode = z.enum(['cookie', 'token']).default('cookie');

export const signUpInput = z
  .object({ username: usernameSchema, password: passwordSchema, mode: sessionMode })
  .refine((v) => v.password.toLowerCase() !== v.username.toLowerCase(), {
    path: ['password'],
    message: 'must differ from the username',
  });

export const signInInput = z.object({
  // Only shape checks here: sign-in must not reveal which names exist or are valid.
  username: z.string({ message: 'must be text' }).trim().min(1, 'is required').max(64, 'must be at most 64 characters'),
  password: z.string({ message: 'must be text' }).min(1, 'is required').max(128, 'must be at most 128 characters'),
  mode: sessionMode,
});

export const changePasswordInput = z.object({
  currentPassword: z.string({ message: 'must be text' }).min(1, 'is required').max(128),
  newPassword: passwordSchema,
});

export const resetPasswordInput = z.object({
  token: z
    .string({ message: 'must be text' })
    .trim()
    .min(1, 'is required')
    .max(128, 'is not a valid reset token')
    .refine((t) => t.length >= 16 && /^[A-Za-z0-9_-]+$/.test(t), 'is not a valid reset token'),
  password: passwordSchema,
});

export interface Me {
  id: string;
  username: string;
  role: 'user' | 'admin';
  playerUid: string | null;
  /** `confirmed`: the code the bot sent was entered on the dashboard (resets need it). */
  telegram: { linked: boolean; username: string | null; confirmed: boolean };
  /** On a generated password: the dashboard asks for a new one before anything else. */
  mustChangePassword: boolean;
  createdAt: Date;
}

export interface SessionResult {
  user: Me;
  /** The session token, only in `token` mode (send it as `Authorization: Bearer …`). */
  token: string | null;
  expiresAt: Date;
}

type UserRow = typeof users.$inferSelect;

function toMe(row: UserRow): Me {
  return {
    id: row.id,
    username: row.displayName,
    role: row.role,
    playerUid: row.playerUid,
    telegram: {
      linked: row.telegramId !== null,
      username: row.telegramUsername,
      confirmed: row.telegramId !== null && row.telegramConfirmedAt !== null,
    },
    mustChangePassword: row.mustChangePassword,
    createdAt: row.createdAt,
  };
}

async function startSession(ctx: Context, row: UserRow, mode: 'cookie' | 'token'): Promise<SessionResult> {
  if (mode === 'cookie' && !ctx.cookies) {
    throw new BadRequestError('Cookie sessions need an HTTP request; use mode "token"');
  }
  const lucia = luciaFor(ctx.db, ctx.sessions);
  const token = generateSecret('', 24);
  const session = await lucia.createSession(row.id, {}, { sessionId: sha256(token) });
  if (mode === 'cookie') ctx.cookies?.set(lucia.createSessionCookie(token).serialize());
  return { user: toMe(row), token: mode === 'token' ? token : null, expiresAt: session.expiresAt };
}

function clientKey(ctx: Context): string {
  return ctx.ip ?? 'unknown';
}

export async function signUp(ctx: Context, input: z.output<typeof signUpInput>): Promise<SessionResult> {
  await ctx.rateLimits?.consume('authIp', clientKey(ctx));
  const passwordHash = await hashPassword(input.password);
  let row: UserRow | undefined;
  try {
    [row] = await ctx.db
      .insert(users)
      .values({
        id: randomUUID(),
        username: normalizeUsername(input.username),
        displayName: input.username,
        passwordHash,
      })
      .returning();
  } catch (err) {
    if (isUniqueViolation(err)) throw fieldError('CONFLICT', ['username'], 'is already taken');
    throw err;
  }
  if (!row) throw new Error('sign-up insert returned nothing');
  return startSession(ctx, row, input.mode);
}

const INVALID_CREDENTIALS = 'Invalid username or password';

export async function signIn(ctx: Context, input: z.output<typeof signInInput>): Promise<SessionResult> {
  const normalized = normalizeUsername(input.username.normalize('NFKC'));
  const throttle = ctx.rateLimits ? signInThrottle(ctx.rateLimits, normalized, clientKey(ctx)) : null;
  await throttle?.admit();
  const [row] = await ctx.db.select().from(users).where(eq(users.username, normalized));
  // Same work and the same answer whether or not the user exists.
  const valid = await verifyPassword(row?.passwordHash ?? (await dummyPasswordHash()), input.password);
  if (!row || !valid) {
    await throttle?.failed();
    throw new UnauthorizedError(INVALID_CREDENTIALS);
  }
  if (row.banned) throw new ForbiddenError('This account is banned');
  await throttle?.succeeded();
  return startSession(ctx, row, input.mode);
}

export async function signOut(ctx: Context): Promise<{ signedOut: boolean }> {
  const lucia = luciaFor(ctx.db, ctx.sessions);
  ctx.cookies?.set(lucia.createBlankSessionCookie().serialize());
  if (!ctx.sessionId || !ctx.user) return { signedOut: false };
  await lucia.invalidateSession(ctx.sessionId);
  await ctx.bus.publish('auth.revoked', {
    userId: ctx.user.id,
    sessionIds: [ctx.sessionId],
    reason: 'signed-out',
    at: new Date().toISOString(),
  });
  return { signedOut: true };
}

export async function getMe(db: Db, userId: string): Promise<Me | null> {
  const [row] = await db.select().from(users).where(eq(users.id, userId));
  return row ? toMe(row) : null;
}

/** Ends every session of a user except `keep`, and tells open connections. */
export async function endSessions(
  ctx: Pick<Context, 'db' | 'bus' | 'sessions'>,
  userId: string,
  reason: 'password-changed' | 'banned' | 'role-changed',
  keep: string | null = null,
): Promise<void> {
  const lucia = luciaFor(ctx.db, ctx.sessions);
  const sessions = await lucia.getUserSessions(userId);
  const ended = sessions.map((s) => s.id).filter((id) => id !== keep);
  await Promise.all(ended.map((id) => lucia.invalidateSession(id)));
  await ctx.bus.publish('auth.revoked', {
    userId,
    sessionIds: keep ? ended : 'all',
    reason,
    at: new Date().toISOString(),
  });
}

export async function changePassword(ctx: Context, userId: string, input: z.output<typeof changePasswordInput>) {
  const [row] = await ctx.db.select().from(users).where(eq(users.id, userId));
  if (!row) throw notFound('User');
  if (!(await verifyPassword(row.passwordHash, input.currentPassword))) {
    throw fieldError('BAD_REQUEST', ['currentPassword'], 'is not your current password');
  }
  if (input.newPassword.toLowerCase() === row.username) {
    throw fieldError('BAD_REQUEST', ['newPassword'], 'must differ from the username');
  }
  await ctx.db
    .update(users)
    .set({
      passwordHash: await hashPassword(input.newPassword),
      passwordChangedAt: new Date(),
      mustChangePassword: false,
      updatedAt: new Date(),
    })
    .where(eq(users.id, userId));
  // Other devices are signed out; this one stays signed in.
  await endSessions(ctx, userId, 'password-changed', ctx.sessionId);
  return { changed: true as const };
}

export interface ResetToken {
  /** One-time token, shown once. */
  token: string;
  expiresAt: Date;
}

/**
 * Issued by an admin or, for a confirmed Telegram link, by the bot in a private chat (`via` says
 * which, for the audit log and the notice the account gets).
 */
export async function issueResetToken(
  deps: Pick<AppDeps, 'db' | 'bus'>,
  actor: AuditActor,
  userId: string,
  via: 'by an admin' | 'through Telegram',
): Promise<ResetToken> {
  const token = generateSecret('', 24);
  const expiresAt = new Date(Date.now() + RESET_TOKEN_TTL_MS);
  const issued = await deps.db.transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId));
    if (!user) throw notFound('User');
    // Only the newest token works: one issued earlier (and maybe seen by someone else) stops.
    await retireResetTokens(tx, userId);
    await tx.insert(passwordResetTokens).values({ tokenHash: sha256(token), userId, expiresAt });
    await recordAudit(tx, actor, { action: 'user.resetToken', targetType: 'user', targetId: userId, details: { via } });
    return { token, expiresAt };
  });
  await notify(deps, userId, {
    kind: 'account',
    type: via === 'through Telegram' ? 'telegram.resetIssued' : 'password.resetIssued',
    title: 'Password reset requested',
    body: `A one-time password-reset token for your account was issued ${via}. If you did not ask for it, tell an admin; it expires in an hour.`,
    // Asked in the Telegram chat itself: the notice is for the dashboard.
    notOnTelegram: via === 'through Telegram',
  });
  return issued;
}

/** Marks a user's unused reset tokens used. */
export async function retireResetTokens(db: Db | Tx, userId: string): Promise<void> {
  await db
    .update(passwordResetTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(passwordResetTokens.userId, userId), isNull(passwordResetTokens.usedAt)));
}

/**
 * A new password with a one-time token (from an admin, or the bot for a linked account). The
 * token is single-use (claimed in the same transaction as the change), short-lived
 * (RESET_TOKEN_TTL_MS), stored as a SHA-256 only; every session of the account ends.
 */
export async function resetPassword(ctx: Context, input: z.output<typeof resetPasswordInput>) {
  await ctx.rateLimits?.consume('authIp', clientKey(ctx));
  const passwordHash = await hashPassword(input.password);
  const userId = await ctx.db.transaction(async (tx) => {
    // Claiming the token and changing the password happen together, or not at all.
    const [claimed] = await tx
      .update(passwordResetTokens)
      .set({ usedAt: new Date() })
      .where(
        and(
          eq(passwordResetTokens.tokenHash, sha256(input.token)),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.expiresAt, new Date()),
        ),
      )
      .returning({ userId: passwordResetTokens.userId });
    if (!claimed) throw fieldError('BAD_REQUEST', ['token'], 'is invalid, expired or already used');
    const [user] = await tx.select({ username: users.username }).from(users).where(eq(users.id, claimed.userId));
    if (user && input.password.toLowerCase() === user.username) {
      throw fieldError('BAD_REQUEST', ['password'], 'must differ from the username');
    }
    await tx
      .update(users)
      .set({ passwordHash, passwordChangedAt: new Date(), mustChangePassword: false, updatedAt: new Date() })
      .where(eq(users.id, claimed.userId));
    await retireResetTokens(tx, claimed.userId);
    // Every session ends with the old password, in the same transaction (not a moment later).
    await tx.delete(sessions).where(eq(sessions.userId, claimed.userId));
    return claimed.userId;
  });
  // Open connections (WebSockets, SSE) hear of it.
  await endSessions(ctx, userId, 'password-changed');
  await notify(ctx, userId, {
    kind: 'account',
    type: 'password.reset',
    title: 'Password changed',
    body: 'Your password was reset with a one-time token; every session was signed out. If this was not you, tell an admin now.',
  });
  return { reset: true as const };
}
