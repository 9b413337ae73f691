/**
 * What the bot says without being asked. The server decides what each user is told and on
 * which channel (their preferences): the bot delivers `telegram.onNotification` — race moves,
 * races won, claim decisions, … — and sends each new player claim to the linked admins with
 * its Approve / Reject buttons (`telegram.onClaim`). Both streams resume after a reconnect
 * with the last id seen, so what was stored meanwhile still arrives (once: ids are remembered).
 * A heartbeat keeps the server's "bot connected" status fresh.
 */
import type { NotificationsApi } from './api';
import type { Delivery } from './delivery';
import { notificationText } from './format';
import { claimReviewText, reviewButtons } from './format-account';
import { consoleLogger, type Logger } from './log';

export interface NotificationsOptions {
  api: NotificationsApi;
  delivery: Delivery;
  logger?: Logger;
  /** How often the bot calls the server to show it is alive. Default 30 s; 0 turns it off. */
  heartbeatMs?: number;
  /** Wait before subscribing again after a subscription failed or ended. Default 10 s. */
  resubscribeMs?: number;
  now?: () => Date;
}

export interface Notifications {
  /** One heartbeat now; true when the server answered. */
  heartbeat(): Promise<boolean>;
  stop(): void;
}

interface Unsubscribable {
  unsubscribe(): void;
}

interface SubscriptionHandlers {
  onStarted(): void;
  onError(err: unknown): void;
  onComplete(): void;
}

const REMEMBERED = 5_000;

/** Ids already handled, so a replay after a reconnect sends nothing twice. */
function memory() {
  const seen = new Set<string>();
  return (id: string): boolean => {
    if (seen.has(id)) return false;
    seen.add(id);
    if (seen.size > REMEMBERED) {
      const oldest = seen.values().next();
      if (!oldest.done) seen.delete(oldest.value);
    }
    return true;
  };
}

export function startNotifications(options: NotificationsOptions): Notifications {
  const { api, delivery } = options;
  const log = options.logger ?? consoleLogger;
  const now = options.now ?? (() => new Date());
  const resubscribeMs = options.resubscribeMs ?? 10_000;
  const timers: NodeJS.Timeout[] = [];
  const subscriptions: (() => void)[] = [];
  let stopped = false;

  /** Keeps a subscription open: after an error (e.g. the key was revoked) or an end, it subscribes again. */
  function keepSubscribed(name: string, subscribe: (handlers: SubscriptionHandlers) => Unsubscribable) {
    let current: Unsubscribable | undefined;
    let retry: NodeJS.Timeout | undefined;
    const again = () => {
      current?.unsubscribe();
      current = undefined;
      if (stopped || retry) return;
      retry = setTimeout(() => {
        retry = undefined;
        start();
      }, resubscribeMs);
      retry.unref();
    };
    const start = () => {
      current = subscribe({
        onStarted: () => log.info({ subscription: name }, `Listening to ${name}.`),
        onError: (err) => {
          log.error({ err, subscription: name }, `${name} failed; subscribing again in ${resubscribeMs} ms:`);
          again();
        },
        onComplete: () => again(),
      });
    };
    start();
    subscriptions.push(() => {
      clearTimeout(retry);
      current?.unsubscribe();
    });
  }

  // ---- users' notifications ----
  const delivered = memory();
  let lastNotificationId: string | undefined;
  keepSubscribed('user notifications', (handlers) =>
    api.telegram.onNotification.subscribe(lastNotificationId ? { lastEventId: lastNotificationId } : undefined, {
      ...handlers,
      onData: ({ id, data: notification }) => {
        lastNotificationId = id;
        // A notice never stored has no id of its own; only stored ones can come again.
        if (notification.id !== null && !delivered(`n:${notification.id}`)) return;
        void delivery.send(
          notification.telegramId,
          notificationText(notification),
          `notification ${notification.type}`,
        );
      },
    }),
  );

  // ---- player claims for the linked admins ----
  const announced = memory();
  let lastClaimId: string | undefined;
  keepSubscribed('player claims', (handlers) =>
    api.telegram.onClaim.subscribe(lastClaimId ? { lastEventId: lastClaimId } : undefined, {
      ...handlers,
      onData: ({ id, data }) => {
        lastClaimId = id;
        if (!announced(`c:${data.claim.id}`)) return;
        const text = claimReviewText(data.claim, now());
        for (const admin of data.adminTelegramIds) {
          void delivery.send(admin, text, `claim ${data.claim.id} review`, {
            reply_markup: reviewButtons(data.claim.id),
          });
        }
      },
    }),
  );

  // ---- heartbeat ----
  let reachable = true;
  async function heartbeat(): Promise<boolean> {
    try {
      await api.health.status.query(undefined, { signal: AbortSignal.timeout(10_000) });
      if (!reachable) log.info({}, 'The API answers again.');
      reachable = true;
    } catch (err) {
      if (reachable) log.warn({}, `The API does not answer: ${err instanceof Error ? err.message : String(err)}`);
      reachable = false;
    }
    return reachable;
  }

  const heartbeatMs = options.heartbeatMs ?? 30_000;
  if (heartbeatMs > 0) {
    const timer = setInterval(() => void heartbeat(), heartbeatMs);
    timer.unref();
    timers.push(timer);
  }

  return {
    heartbeat,
    stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      for (const unsubscribe of subscriptions) unsubscribe();
    },
  };
}
