/**
 * Messages the bot sends on its own (notifications, broadcasts), as opposed to replies. Each
 * goes through the library's transport — its throttle (global and per-chat rate) and its
 * retries of 429 (honouring `retry_after`) and 5xx/network failures — and, when those are
 * exhausted on a transient failure, is tried again later. Every message that is finally not
 * delivered is logged with its recipient and purpose: none is lost silently.
 */
import { type Api, isTransientError, type SendMessageParams, TelegramApiError } from 'node-telegram-bot-api';
import type { Logger } from './log';

export interface DeliveryOptions {
  logger: Logger;
  /** Waits before each later attempt after a transient failure. Default 5 s, 30 s, 2 min. */
  retryDelaysMs?: number[];
  /** Most messages waiting for a later attempt; past it, new failures are given up (and logged). */
  maxWaiting?: number;
}

/** What a message may carry besides its text (e.g. inline buttons). */
export type MessageExtras = Pick<SendMessageParams, 'reply_markup'>;

export interface DeliveryStats {
  delivered: number;
  failed: number;
  /** Waiting for a later attempt. */
  waiting: number;
}

export interface Delivery {
  /**
   * Sends `text` to `chatId`. Resolves true once delivered, false once given up (already
   * logged) — possibly minutes later, after the retries. Never rejects.
   */
  send(chatId: number, text: string, purpose: string, extra?: MessageExtras): Promise<boolean>;
  stats(): DeliveryStats;
  /** Cancels the waiting retries and the queued sends, logging each message as undelivered. */
  stop(): void;
}

function describeError(err: unknown): string {
  if (err instanceof TelegramApiError) return `Telegram answered ${err.errorCode}: ${err.description}`;
  return err instanceof Error ? err.message : String(err);
}

export function createDelivery(api: Pick<Api, 'sendMessage'>, options: DeliveryOptions): Delivery {
  const log = options.logger;
  const delays = options.retryDelaysMs ?? [5_000, 30_000, 120_000];
  const maxWaiting = options.maxWaiting ?? 1_000;
  const waiting = new Map<NodeJS.Timeout, () => void>();
  const counts = { delivered: 0, failed: 0 };
  // Aborts the sends still queued in the throttle when the bot stops, so each is logged.
  const stopping = new AbortController();
  let stopped = false;

  function giveUp(chatId: number, purpose: string, reason: string): false {
    counts.failed++;
    log.error({ chatId, purpose }, `Notification not delivered (${purpose}) to chat ${chatId}: ${reason}`);
    return false;
  }

  async function attempt(
    chatId: number,
    text: string,
    purpose: string,
    retry: number,
    extra: MessageExtras | undefined,
  ): Promise<boolean> {
    try {
      await api.sendMessage(
        { chat_id: chatId, text, link_preview_options: { is_disabled: true }, ...extra },
        stopping.signal,
      );
      counts.delivered++;
      return true;
    } catch (err) {
      if (stopped) return giveUp(chatId, purpose, 'the bot stopped before it was sent');
      const delay = delays[retry];
      // 403 (blocked by the user), 400 (chat gone) and the like will not get better.
      if (!isTransientError(err) || delay === undefined) {
        return giveUp(chatId, purpose, describeError(err));
      }
      if (waiting.size >= maxWaiting) return giveUp(chatId, purpose, `${describeError(err)}; retry queue full`);
      const retryAfterMs = err instanceof TelegramApiError ? (err.retryAfter ?? 0) * 1000 : 0;
      const wait = Math.max(delay, retryAfterMs);
      log.warn(
        { chatId, purpose, retryInMs: wait },
        `Sending ${purpose} to chat ${chatId} failed (${describeError(err)}); retrying in ${wait} ms`,
      );
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(timer);
          resolve(attempt(chatId, text, purpose, retry + 1, extra));
        }, wait);
        waiting.set(timer, () => resolve(giveUp(chatId, purpose, `${describeError(err)}; the bot stopped first`)));
      });
    }
  }

  return {
    send(chatId, text, purpose, extra) {
      if (stopped) return Promise.resolve(giveUp(chatId, purpose, 'the bot is stopping'));
      return attempt(chatId, text, purpose, 0, extra);
    },
    stats: () => ({ ...counts, waiting: waiting.size }),
    stop() {
      stopped = true;
      stopping.abort();
      for (const [timer, abandon] of waiting) {
        clearTimeout(timer);
        abandon();
      }
      waiting.clear();
    },
  };
}
