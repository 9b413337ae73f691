/**
 * The real bot, a real server (the kit's startTestServer: Fastify, the router, a fresh
 * database) and a fake Telegram Bot API, wired together as in production: the bot reaches the
 * server only through its typed client with a bot-scoped key.
 */
import { createClient } from '@goated/client';
import type { DbKind } from '@goated/db';
import { startTestServer, TEST_ADMIN, type TestServer } from '@goated/testing/server';
import { type FakeTelegram, startFakeTelegram, TOKEN } from '@goated/testing/telegram';
import type { Update } from 'node-telegram-bot-api';
import { createBot, type GoatedBot } from '../../src/bot';
import type { Logger } from '../../src/log';
import { type Notifications, startNotifications } from '../../src/notifications';

export type Client = ReturnType<typeof createClient>;
export type Sender = { id: number; first_name: string; username?: string };
export type Chat = { id: number; type: string };

/** Starting a server on a fresh database takes seconds, and much longer on a busy machine. */
export const SETUP_TIMEOUT_MS = 180_000;

let nextUpdateId = 1;

/** A fresh update id (webhooks may redeliver; the bot drops an id it has seen). */
export function updateId(): number {
  return nextUpdateId++;
}

export function message(from: Sender, text: string, chat: Chat = { id: from.id, type: 'private' }): Update {
  return {
    update_id: updateId(),
    message: {
      message_id: nextUpdateId,
      date: Math.floor(Date.now() / 1000),
      chat,
      from: { ...from, is_bot: false },
      text,
    },
  };
}

export interface BotWorld {
  telegram: FakeTelegram;
  t: TestServer;
  botClient: Client;
  adminClient: Client;
  goated: GoatedBot;
  notifications: Notifications;
  /** Everything the bot logged since the last `logs.length = 0`. */
  logs: string[];
  /** Subscriptions the server has confirmed ("Listening to …" in the log). */
  listening: Set<string>;
  /** Sends one update from `from` and returns the texts the bot replied to that chat. */
  say(from: Sender, text: string, chat?: Chat): Promise<string[]>;
  close(): Promise<void>;
}

export async function startBotWorld(kind: DbKind, env: Record<string, string> = {}): Promise<BotWorld> {
  const telegram = await startFakeTelegram();
  const t = await startTestServer(kind, env);
  const { token: adminToken } = await t.client.api.auth.signIn.mutate({ ...TEST_ADMIN, mode: 'token' });
  const adminClient = createClient({ url: t.url, token: adminToken ?? '' });
  const { key } = await adminClient.api.admin.apiKeys.create.mutate({ name: 'telegram bot', scopes: ['bot'] });
  const botClient = createClient({ url: t.url, token: key });
  const logs: string[] = [];
  const listening = new Set<string>();
  const logger: Logger = {
    info: (_fields, m) => {
      logs.push(`info: ${m}`);
      const name = /^Listening to (.+)\.$/.exec(m)?.[1];
      if (name) listening.add(name);
    },
    warn: (_fields, m) => logs.push(`warn: ${m}`),
    error: (_fields, m) => logs.push(`error: ${m}`),
  };
  const goated = createBot({
    token: TOKEN,
    apiRoot: telegram.apiRoot,
    api: botClient.api,
    logger,
    telegram: { rateLimit: null, retryBackoffMs: 1 },
    delivery: { retryDelaysMs: [20] },
    // The throttle on guessing codes is tested in commands.test.ts.
    verifyAttempts: { max: 100, windowMs: 60_000 },
  });
  const notifications = startNotifications({
    api: botClient.api,
    delivery: goated.delivery,
    logger,
    heartbeatMs: 0,
    resubscribeMs: 50,
  });
  return {
    telegram,
    t,
    botClient,
    adminClient,
    goated,
    notifications,
    logs,
    listening,
    async say(from, text, chat) {
      const chatId = chat?.id ?? from.id;
      const before = telegram.textsTo(chatId).length;
      await goated.bot.handleUpdate(message(from, text, chat));
      return telegram.textsTo(chatId).slice(before);
    },
    async close() {
      notifications.stop();
      goated.delivery.stop();
      await botClient.close();
      await adminClient.close();
      await t.close();
      await telegram.close();
    },
  };
}
