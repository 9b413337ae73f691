/**
 * `/broadcast TEXT` (admins, private chat): the server checks and records it and names the
 * recipients; the bot sends to them under Telegram's rate limit and reports back when done.
 */
import type { Bot } from 'node-telegram-bot-api';
import type { Delivery } from '../delivery';
import {
  adminOnlyText,
  adminPrivateOnlyText,
  announcementText,
  broadcastDoneText,
  broadcastRefusedText,
  broadcastStartedText,
  broadcastUsageText,
} from '../format';
import { argsOf, attempt, type CommandDeps, isPrivate } from './shared';

export interface BroadcastDeps extends CommandDeps {
  delivery: Delivery;
  /** The broadcasts under way; each removes itself when its report is sent. */
  broadcasts: Set<Promise<void>>;
}

export function registerBroadcast(bot: Bot, deps: BroadcastDeps): void {
  const { api, signal, log, delivery, broadcasts } = deps;
  bot.command('broadcast', async (ctx) => {
    const from = ctx.from;
    const chatId = ctx.chatId;
    if (!isPrivate(ctx) || !from || chatId === undefined) return ctx.reply(adminPrivateOnlyText);
    const text = argsOf(ctx);
    if (!text) return ctx.reply(broadcastUsageText);
    const planned = await attempt(
      log,
      () => api.telegram.broadcast.mutate({ requesterTelegramId: from.id, text }, signal()),
      {
        failed: 'telegram.broadcast',
        about: 'the broadcast',
        refuse: (code, message) => {
          if (code === 'FORBIDDEN') return adminOnlyText('/broadcast');
          if (code === 'BAD_REQUEST') return broadcastRefusedText(message);
          return undefined;
        },
      },
    );
    if (!planned.ok) return ctx.reply(planned.text);
    const { recipients } = planned.value;
    const announcement = announcementText(planned.value.text);
    await ctx.reply(broadcastStartedText(recipients.length));
    if (recipients.length === 0) return;
    // Sending to everyone takes a while under Telegram's rate limit: the update is done now,
    // and the admin hears back when the last message is out.
    const sending = (async () => {
      const results = await Promise.all(recipients.map((id) => delivery.send(id, announcement, 'broadcast')));
      const delivered = results.filter(Boolean).length;
      log.info(
        { telegramUserId: from.id, delivered, recipients: recipients.length },
        `broadcast by Telegram user ${from.id}: ${delivered} of ${recipients.length} delivered`,
      );
      await delivery.send(
        chatId,
        broadcastDoneText({ delivered, failed: recipients.length - delivered }),
        'broadcast report',
      );
    })();
    broadcasts.add(sending);
    void sending.finally(() => broadcasts.delete(sending));
  });
}
