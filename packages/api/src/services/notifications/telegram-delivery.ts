/**
 * The bot's feed of notifications to deliver on Telegram (`telegram.onNotification`): every
 * notification whose user's preferences want Telegram, tracked by its inbox id, so a bot that
 * reconnects with `lastEventId` first gets the ones stored while it was away.
 */
import { schema } from '@goated/db';
import { tracked } from '@trpc/server';
import { and, asc, eq, gt, isNotNull } from 'drizzle-orm';
import type { AppDeps } from '../../context';
import type { AppEvents } from '../../events/bus';
import { busEvents } from '../../events/iterate';
import { shownColumns } from './inbox';

const { users, notifications } = schema;

/** How far back a reconnecting bot is caught up: older notices are no longer news. */
const REPLAY_WINDOW_MS = 24 * 3_600_000;
const REPLAY_LIMIT = 1000;
const SEEN_LIMIT = 5000;

export interface TelegramNotification {
  /** The inbox id; null for a notice that was never stored. */
  id: number | null;
  telegramId: number;
  kind: string;
  type: string;
  title: string;
  body: string;
  link: string | null;
  at: string;
}

/** Telegram-link changes are answered by the bot itself in the chat; those notices are for the dashboard. */
function forTelegram(event: AppEvents['user.notification']): boolean {
  return event.telegram !== false && !(event.type ?? event.kind).startsWith('telegram.');
}

async function telegramIdOf(deps: Pick<AppDeps, 'db'>, userId: string): Promise<number | null> {
  const [row] = await deps.db
    .select({ telegramId: users.telegramId })
    .from(users)
    .where(and(eq(users.id, userId), isNotNull(users.telegramId), eq(users.banned, false)));
  return row?.telegramId ?? null;
}

function parseLastId(lastEventId: string | null | undefined): number | null {
  const id = Number(lastEventId);
  return lastEventId && Number.isSafeInteger(id) && id > 0 ? id : null;
}

export async function* telegramNotifications(
  deps: Pick<AppDeps, 'db' | 'bus'>,
  lastEventId: string | null | undefined,
  signal: AbortSignal | undefined,
  now = new Date(),
) {
  // Listening starts before the replay, so nothing stored during it is missed (dupes are skipped by id).
  const events = busEvents(deps.bus, 'user.notification', signal, { maxQueued: 1000, filter: forTelegram });
  let last = parseLastId(lastEventId) ?? 0;
  // Ids already yielded: instances store and publish concurrently, so ids may arrive out of order.
  const seen = new Set<number>();
  const remember = (id: number) => {
    seen.add(id);
    if (id > last) last = id;
    if (seen.size > SEEN_LIMIT) {
      const oldest = seen.values().next();
      if (!oldest.done) seen.delete(oldest.value);
    }
  };
  try {
    if (last > 0) {
      const missed = await deps.db
        .select({ ...shownColumns, telegramId: users.telegramId, createdAt: notifications.createdAt })
        .from(notifications)
        .innerJoin(users, eq(users.id, notifications.userId))
        .where(
          and(
            eq(notifications.telegram, true),
            gt(notifications.id, last),
            gt(notifications.createdAt, new Date(now.getTime() - REPLAY_WINDOW_MS)),
            isNotNull(users.telegramId),
            eq(users.banned, false),
          ),
        )
        .orderBy(asc(notifications.id))
        .limit(REPLAY_LIMIT);
      for (const row of missed) {
        remember(row.id);
        if (row.telegramId === null || row.type.startsWith('telegram.')) continue;
        const notification: TelegramNotification = {
          id: row.id,
          telegramId: row.telegramId,
          kind: row.kind,
          type: row.type,
          title: row.title,
          body: row.body,
          link: row.link,
          at: row.createdAt.toISOString(),
        };
        yield tracked(String(row.id), notification);
      }
    }
    for await (const event of events) {
      if (event.id !== undefined) {
        if (seen.has(event.id)) continue;
        remember(event.id);
      }
      const telegramId = await telegramIdOf(deps, event.userId);
      if (telegramId === null) continue;
      const notification: TelegramNotification = {
        id: event.id ?? null,
        telegramId,
        kind: event.kind,
        type: event.type ?? event.kind,
        title: event.title,
        body: event.body,
        link: event.link ?? null,
        at: event.at,
      };
      // The resume point is the newest id seen (a notice never stored has none of its own).
      yield tracked(String(last), notification);
    }
  } finally {
    await events.return(undefined);
  }
}
