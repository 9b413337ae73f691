/**
 * The admin commands of the bot (`/user NAME`, `/broadcast TEXT`): the bot relays the Telegram
 * user who sent them, and the server checks that the account linked to it is an admin — here,
 * not in the bot. Both are audited as the linked admin.
 */
import { type Db, schema } from '@goated/db';
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppDeps } from '../../context';
import { notFound } from '../../errors';
import { type AuditActor, recordAudit } from '../audit';
import { normalizeUsername } from '../auth/credentials';
import { notificationKinds } from '../notifications/kinds';
import { notifyEveryone } from '../notifications/notify';
import type { PlayerProfile } from '../players';
import { type LinkedAccount, playerOf, requireLinkedAdmin } from './identity';
import { requester } from './inputs';

const { users, notificationPreferences } = schema;

/** Longest broadcast text; leaves room under Telegram's 4096 for the bot's heading. */
export const BROADCAST_MAX_LENGTH = 3500;

export const lookupUserInput = z.object({
  ...requester,
  username: z.string({ message: 'must be text' }).trim().min(1, 'is required').max(64, 'is too long'),
});

export const broadcastInput = z.object({
  ...requester,
  text: z
    .string({ message: 'must be text' })
    .trim()
    .min(1, 'must not be empty')
    .max(BROADCAST_MAX_LENGTH, `must be at most ${BROADCAST_MAX_LENGTH} characters`),
});

export interface UserLookup extends Pick<LinkedAccount, 'id' | 'username' | 'role' | 'banned'> {
  bannedAt: Date | null;
  createdAt: Date;
  telegram: { linked: boolean; username: string | null };
  player: PlayerProfile | null;
}

/** `/user NAME`: an admin looks a user up from Telegram. Audited as the linked admin. */
export async function lookupUser(
  db: Db,
  actor: AuditActor,
  input: z.output<typeof lookupUserInput>,
): Promise<UserLookup> {
  const admin = await requireLinkedAdmin(db, input.requesterTelegramId);
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.username, normalizeUsername(input.username.normalize('NFKC'))));
  if (!row) throw notFound('User');
  await recordAudit(
    db,
    { ...actor, userId: admin.id },
    { action: 'telegram.userLookup', targetType: 'user', targetId: row.id },
  );
  return {
    id: row.id,
    username: row.displayName,
    role: row.role,
    banned: row.banned,
    bannedAt: row.bannedAt,
    createdAt: row.createdAt,
    telegram: { linked: row.telegramId !== null, username: row.telegramUsername },
    player: await playerOf(db, row.playerUid),
  };
}

export interface Broadcast {
  text: string;
  /** Telegram ids of every linked, non-banned account; the bot sends to each. */
  recipients: number[];
}

/**
 * `/broadcast TEXT`: the server checks the admin and returns who to send to; the bot sends
 * (it alone talks to Telegram, under Telegram's rate limits). Audited with the text.
 */
export async function broadcast(
  deps: Pick<AppDeps, 'db' | 'bus' | 'log'>,
  actor: AuditActor,
  input: z.output<typeof broadcastInput>,
): Promise<Broadcast> {
  const { db } = deps;
  const admin = await requireLinkedAdmin(db, input.requesterTelegramId);
  // Those who turned Telegram announcements off are left out (no preference row: the default, on).
  const rows = await db
    .select({ telegramId: users.telegramId })
    .from(users)
    .leftJoin(
      notificationPreferences,
      and(eq(notificationPreferences.userId, users.id), eq(notificationPreferences.kind, 'announcements')),
    )
    .where(
      and(
        isNotNull(users.telegramId),
        eq(users.banned, false),
        sql`coalesce(${notificationPreferences.telegram}, ${notificationKinds.announcements.defaults.telegram})`,
      ),
    )
    .orderBy(asc(users.telegramId));
  const recipients = rows.map((r) => r.telegramId).filter((id): id is number => id !== null);
  await recordAudit(
    db,
    { ...actor, userId: admin.id },
    { action: 'telegram.broadcast', details: { text: input.text, recipients: recipients.length } },
  );
  // The dashboard's inbox gets it too (the bot delivers the Telegram side and reports back).
  await notifyEveryone(deps, { kind: 'announcements', type: 'announcement', title: 'Announcement', body: input.text });
  return { text: input.text, recipients };
}
