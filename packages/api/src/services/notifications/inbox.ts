/** A user's notification inbox: the list, the unread count, marking read. */
import { type Db, schema } from '@goated/db';
import { and, count, desc, eq, inArray, isNull, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { InboxNotification } from './notify';

const { notifications } = schema;

export const notificationListInput = z
  .object({
    /** The `nextCursor` of the previous page. */
    cursor: z.number().int().positive().nullish(),
    unreadOnly: z.boolean().default(false),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .default({ unreadOnly: false, limit: 20 });

export const markReadInput = z.union(
  [
    z
      .object({
        ids: z
          .array(z.number().int().positive())
          .min(1, 'Choose at least one notification')
          .max(500, 'At most 500 notifications at once'),
      })
      .strict(),
    z.object({ all: z.literal(true) }).strict(),
  ],
  { error: 'Give the notification ids, or all: true' },
);

export interface NotificationPage {
  notifications: InboxNotification[];
  /** Unread inbox notifications in all (not only on this page). */
  unread: number;
  nextCursor: number | null;
}

const inboxOf = (userId: string) => and(eq(notifications.userId, userId), eq(notifications.web, true));

/** What a person is shown of a notification, wherever it is read (inbox, Telegram catch-up). */
export const shownColumns = {
  id: notifications.id,
  kind: notifications.kind,
  type: notifications.type,
  title: notifications.title,
  body: notifications.body,
  link: notifications.link,
};

const columns = { ...shownColumns, createdAt: notifications.createdAt, readAt: notifications.readAt };

export async function unreadCount(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(notifications)
    .where(and(inboxOf(userId), isNull(notifications.readAt)));
  return row?.n ?? 0;
}

/** Newest first. */
export async function listNotifications(
  db: Db,
  userId: string,
  input: z.output<typeof notificationListInput>,
): Promise<NotificationPage> {
  const conditions = [inboxOf(userId)];
  if (input.unreadOnly) conditions.push(isNull(notifications.readAt));
  if (input.cursor) conditions.push(lt(notifications.id, input.cursor));
  const rows = await db
    .select(columns)
    .from(notifications)
    .where(and(...conditions))
    .orderBy(desc(notifications.id))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  return {
    notifications: page,
    unread: await unreadCount(db, userId),
    nextCursor: hasMore ? (page.at(-1)?.id ?? null) : null,
  };
}

/** Marks the given notifications (only the user's own) or all of them read; returns the unread count left. */
export async function markRead(
  db: Db,
  userId: string,
  input: z.output<typeof markReadInput>,
  now = new Date(),
): Promise<{ marked: number; unread: number }> {
  const which = 'ids' in input ? inArray(notifications.id, [...new Set(input.ids)]) : undefined;
  const marked = await db
    .update(notifications)
    .set({ readAt: now })
    .where(and(inboxOf(userId), isNull(notifications.readAt), which))
    .returning({ id: notifications.id });
  return { marked: marked.length, unread: await unreadCount(db, userId) };
}

/** Deletes notifications older than `days` (run periodically; an inbox is not an archive). */
export async function pruneNotifications(db: Db, days: number, now = new Date()): Promise<number> {
  const deleted = await db
    .delete(notifications)
    .where(lt(notifications.createdAt, new Date(now.getTime() - days * 86_400_000)))
    .returning({ id: notifications.id });
  return deleted.length;
}
