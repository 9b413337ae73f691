import type { TRPCRouterRecord } from '@trpc/server';
import { busEvents } from '../events/iterate';
import {
  listNotifications,
  markRead,
  markReadInput,
  notificationListInput,
  unreadCount,
} from '../services/notifications/inbox';
import { getPreferences, setPreferences, setPreferencesInput } from '../services/notifications/preferences';
import { protectedProcedure } from '../trpc';

export const notificationsRouter = {
  /** My inbox, newest first (`unreadOnly`, keyset `cursor`), with the unread count. */
  list: protectedProcedure
    .input(notificationListInput)
    .query(({ ctx, input }) => listNotifications(ctx.db, ctx.user.id, input)),
  /** The bell's number. */
  unreadCount: protectedProcedure.query(({ ctx }) => unreadCount(ctx.db, ctx.user.id)),
  /** `{ ids }` or `{ all: true }`; returns how many were marked and the unread count left. */
  markRead: protectedProcedure.input(markReadInput).mutation(({ ctx, input }) => markRead(ctx.db, ctx.user.id, input)),
  /** Per kind, web and Telegram. */
  preferences: protectedProcedure.query(({ ctx }) => getPreferences(ctx.db, ctx.user.id)),
  /** Changes some choices; returns them all. Security notices cannot be turned off. */
  setPreferences: protectedProcedure
    .input(setPreferencesInput)
    .mutation(({ ctx, input }) => setPreferences(ctx.db, ctx.user.id, input)),
  /** This user's notifications from now on, as they are stored (the bell and toasts). */
  onNotify: protectedProcedure.subscription(({ ctx, signal }) =>
    busEvents(ctx.bus, 'user.notification', signal, {
      filter: (event) => event.userId === ctx.user.id && event.web !== false,
    }),
  ),
} satisfies TRPCRouterRecord;
