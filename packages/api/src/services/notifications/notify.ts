/**
 * The one way to tell a user something: `notify()` stores the notification (the inbox, and
 * the bot's replay after a reconnect) on the channels the user's preferences allow, then
 * publishes it so an open dashboard's bell and the bot hear of it at once.
 */
import { type Db, queryRows, schema } from '@goated/db';
import { and, eq, sql } from 'drizzle-orm';
import type { AppDeps } from '../../context';
import { kindReaches, type NotificationKind, notificationKinds } from './kinds';

const { users, notifications, notificationPreferences } = schema;

export interface NotificationMessage {
  kind: NotificationKind;
  /** The precise event, e.g. `claim.rejected`. */
  type: string;
  title: string;
  body: string;
  /** A dashboard path the notification is about, e.g. `/races/3`. */
  link?: string | null;
  /** The user is in a Telegram chat with the bot that just answered them: no second message there. */
  notOnTelegram?: boolean;
}

export interface InboxNotification {
  id: number;
  kind: string;
  type: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: Date;
  readAt: Date | null;
}

export type NotifyDeps = Pick<AppDeps, 'db' | 'bus' | 'log'>;

export interface Channels {
  web: boolean;
  telegram: boolean;
}

/** The channels a kind reaches a user on (null: no such user, banned, or not one the kind is for). */
export async function channelsFor(db: Db, userId: string, kind: NotificationKind): Promise<Channels | null> {
  const [row] = await db
    .select({
      banned: users.banned,
      role: users.role,
      telegramId: users.telegramId,
      telegramConfirmedAt: users.telegramConfirmedAt,
      web: notificationPreferences.web,
      telegram: notificationPreferences.telegram,
    })
    .from(users)
    .leftJoin(
      notificationPreferences,
      and(eq(notificationPreferences.userId, users.id), eq(notificationPreferences.kind, kind)),
    )
    .where(eq(users.id, userId));
  if (!row || row.banned || !kindReaches(kind, row.role)) return null;
  const info = notificationKinds[kind];
  const required = 'required' in info && info.required;
  return {
    web: required || (row.web ?? info.defaults.web),
    // Only a confirmed link hears about the account: a link made with a leaked code alone is
    // not the owner's chat.
    telegram:
      row.telegramId !== null &&
      row.telegramConfirmedAt !== null &&
      (required || (row.telegram ?? info.defaults.telegram)),
  };
}

function report(deps: NotifyDeps, err: unknown, what: string): void {
  // The action being reported has already happened and stands; a lost notice is logged.
  deps.log?.error({ err }, `notification not stored: ${what}`);
}

/**
 * Stores and publishes one notification for `userId`, on the channels their preferences allow
 * for its kind. Returns the stored row, or null when no channel wants it (or the user is
 * banned or gone). Never throws: a failure is logged, since what it reports already happened.
 */
export async function notify(
  deps: NotifyDeps,
  userId: string,
  message: NotificationMessage,
): Promise<InboxNotification | null> {
  try {
    const channels = await channelsFor(deps.db, userId, message.kind);
    if (!channels || (!channels.web && (!channels.telegram || message.notOnTelegram))) return null;
    const [row] = await deps.db
      .insert(notifications)
      .values({
        userId,
        kind: message.kind,
        type: message.type,
        title: message.title,
        body: message.body,
        link: message.link ?? null,
        web: channels.web,
        telegram: channels.telegram && !message.notOnTelegram,
      })
      .returning();
    if (!row) return null;
    const shown = { id: row.id, kind: row.kind, type: row.type, title: row.title, body: row.body, link: row.link };
    await deps.bus.publish('user.notification', {
      userId,
      ...shown,
      web: row.web,
      telegram: row.telegram,
      at: row.createdAt.toISOString(),
    });
    return {
      ...shown,
      createdAt: row.createdAt,
      readAt: row.readAt,
    };
  } catch (err) {
    report(deps, err, `${message.type} for user ${userId}`);
    return null;
  }
}

/**
 * One notification for every (non-banned) user whose preferences want it on the web, stored in
 * one statement; Telegram delivery of such a message is the caller's (a broadcast reports back
 * how many it reached), so these rows are never replayed to the bot. Returns how many stored.
 */
export async function notifyEveryone(deps: NotifyDeps, message: NotificationMessage): Promise<number> {
  const info = notificationKinds[message.kind];
  const required = 'required' in info && info.required;
  try {
    const stored = await queryRows<{ id: number | string; user_id: string; created_at: string | Date }>(
      deps.db,
      sql`
      insert into notifications (user_id, kind, type, title, body, link, web, telegram)
      select u.id, ${message.kind}, ${message.type}, ${message.title}, ${message.body}, ${message.link ?? null}, true, false
      from users u
      left join notification_preferences p on p.user_id = u.id and p.kind = ${message.kind}
      where not u.banned and (${required} or coalesce(p.web, ${info.defaults.web}))
      returning id, user_id, created_at`,
    );
    for (const row of stored) {
      await deps.bus.publish('user.notification', {
        userId: row.user_id,
        id: Number(row.id),
        kind: message.kind,
        type: message.type,
        title: message.title,
        body: message.body,
        link: message.link ?? null,
        web: true,
        telegram: false,
        at: new Date(row.created_at).toISOString(),
      });
    }
    return stored.length;
  } catch (err) {
    report(deps, err, `${message.type} for everyone`);
    return 0;
  }
}
