/** Process entry point: configuration, the typed API client, the bot, and a clean shutdown. */

import { createClient } from '@goated/client';
import { longPoll, TelegramApiError, type Update } from 'node-telegram-bot-api/node';
import { apiErrorCode } from './api';
import { createBot } from './bot';
import { type Config, ConfigError, loadConfig } from './config';
import { commandList } from './format';
import { consoleLogger as log } from './log';
import { startNotifications } from './notifications';
import { createWebhookServer } from './webhook';

const SHUTDOWN_TIMEOUT_MS = 10_000;

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    log.error({}, err.message);
    process.exit(1);
  }
  throw err;
}

function describe(err: unknown): string {
  if (err instanceof TelegramApiError) return `Telegram answered ${err.errorCode}: ${err.description}`;
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause && cause !== err.message ? `${err.message} (${cause})` : err.message;
}

const client = createClient({ url: config.api.url, token: config.api.key });
const { bot, delivery, idle } = createBot({
  token: config.telegram.token,
  apiRoot: config.telegram.apiRoot,
  api: client.api,
  logger: log,
});

// Fail fast on a wrong token or an unreachable Bot API, with a message rather than a stack.
let me: Awaited<ReturnType<typeof bot.api.getMe>>;
try {
  me = await bot.api.getMe();
} catch (err) {
  const rejected = err instanceof TelegramApiError && (err.errorCode === 401 || err.errorCode === 404);
  log.error(
    {},
    rejected
      ? 'TELEGRAM_BOT_TOKEN was rejected by Telegram: check the token @BotFather gave you.'
      : `Could not reach the Telegram Bot API (${config.telegram.apiRoot ?? 'https://api.telegram.org'}): ${describe(err)}`,
  );
  await client.close();
  process.exit(1);
}

// Neither check is fatal: the menu is cosmetic and the bot apologises while the API is down.
await bot.api.setMyCommands({ commands: commandList.map((c) => ({ ...c })) }).catch((err: unknown) => {
  log.warn({}, `Could not set the command menu: ${describe(err)}`);
});
// A wrong key is a configuration error worth stopping for; an API that is down is not.
try {
  await client.api.telegram.userByTelegramId.query({ telegramId: me.id }, { signal: AbortSignal.timeout(5_000) });
} catch (err) {
  const code = apiErrorCode(err);
  if (code === 'UNAUTHORIZED' || code === 'FORBIDDEN') {
    log.error(
      {},
      code === 'UNAUTHORIZED'
        ? `BOT_API_KEY was refused by ${config.api.url} (unknown, revoked or expired): create one with admin.apiKeys.create.`
        : 'BOT_API_KEY lacks the bot scope: create a key with scopes ["bot"].',
    );
    await client.close();
    process.exit(1);
  }
  log.warn(
    {},
    `The API at ${config.api.url} is not answering yet (${describe(err)}); commands will apologise until it does.`,
  );
}

const notifications = startNotifications({ api: client.api, delivery, logger: log });
void notifications.heartbeat();

/** Stops notifications; what is still queued or waiting for a retry is logged as undelivered. */
async function stopSending(): Promise<void> {
  notifications.stop();
  delivery.stop();
  await idle();
  const { delivered, failed } = delivery.stats();
  log.info({ delivered, failed }, `Notifications this run: ${delivered} delivered, ${failed} not delivered.`);
}

/** Resolves on the first SIGTERM/SIGINT; a second signal or a stuck shutdown exits at once. */
function onShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      log.info({ signal }, `${signal} received, stopping…`);
      setTimeout(() => {
        log.error({}, 'Shutdown took too long; exiting.');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS).unref();
      process.once('SIGTERM', () => process.exit(1));
      process.once('SIGINT', () => process.exit(1));
      resolve(signal);
    };
    process.once('SIGTERM', handler);
    process.once('SIGINT', handler);
  });
}

async function runPolling(): Promise<void> {
  // The library's long poll, fed through `startPolling`: we keep the last update id so that
  // a restart does not redeliver (and re-answer) the batch that was being handled at exit.
  const abort = new AbortController();
  let lastUpdateId: number | undefined;
  async function* updates(): AsyncGenerator<Update> {
    const source = longPoll(
      bot.api,
      { timeout: 30, onError: (err) => log.warn({}, `Polling error, retrying: ${describe(err)}`) },
      abort.signal,
    );
    for await (const update of source) {
      lastUpdateId = update.update_id;
      yield update;
    }
  }

  void onShutdownSignal().then(() => {
    abort.abort();
    bot.stop();
    notifications.stop();
  });

  log.info({}, `@${me.username ?? me.first_name} is polling for updates (API ${config.api.url}).`);
  try {
    await bot.startPolling(updates());
  } catch (err) {
    if (err instanceof TelegramApiError && err.errorCode === 409) {
      throw new Error(
        'Telegram refused long polling: a webhook is set for this bot or another instance is polling. ' +
          'Delete the webhook (deleteWebhook) or run with BOT_MODE=webhook.',
      );
    }
    throw err;
  }
  if (lastUpdateId !== undefined) {
    // Confirms everything handled so far; Telegram keeps the rest for the next start.
    await bot.api.getUpdates({ offset: lastUpdateId + 1, limit: 1, timeout: 0 }).catch(() => {});
  }
}

async function runWebhook(host: string, port: number, secretToken: string): Promise<void> {
  // A wrong or missing X-Telegram-Bot-Api-Secret-Token is answered 401 before the body is read.
  const server = createWebhookServer(bot, { secretToken, logger: log });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  log.info({}, `@${me.username ?? me.first_name} is serving its webhook on ${host}:${port} (API ${config.api.url}).`);
  const info = await bot.api.getWebhookInfo().catch(() => undefined);
  if (info && !info.url) {
    log.warn(
      {},
      'No webhook is registered with Telegram yet: call setWebhook with this server URL and the secret_token.',
    );
  }
  await onShutdownSignal();
  // Stops accepting connections and waits for the updates being handled.
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

try {
  if (config.mode.kind === 'webhook') await runWebhook(config.mode.host, config.mode.port, config.mode.secretToken);
  else await runPolling();
  await stopSending();
  await client.close();
  log.info({}, 'Stopped.');
  process.exit(0);
} catch (err) {
  log.error({}, `Bot stopped: ${describe(err)}`);
  await client.close().catch(() => {});
  process.exit(1);
}
