/**
 * What the bot says without being asked: race results to linked winners (a subscription to
 * `telegram.onRaceFinished`), users' notifications (`telegram.onNotification`), and a message
 * to a linked user whose rank in a live race moved by the configured threshold (a poll of
 * `telegram.livePositions`). A heartbeat keeps the server's "bot connected" status fresh.
 */
import type { NotificationsApi } from './api';
import type { Delivery } from './delivery';
import { notificationText, positionChangeText, raceWinnerText } from './format';
import { consoleLogger, type Logger } from './log';

export interface NotificationsOptions {
  api: NotificationsApi;
  delivery: Delivery;
  logger?: Logger;
  /** Ranks a linked user must move, up or down, since their last message to get a new one. Default 3. */
  positionThreshold?: number;
  /** How often live-race positions are checked. Default 60 s; 0 turns the timer off. */
  positionIntervalMs?: number;
  /** How often the bot calls the server to show it is alive. Default 30 s; 0 turns it off. */
  heartbeatMs?: number;
  /** Wait before subscribing again after a subscription failed or ended. Default 10 s. */
  resubscribeMs?: number;
  now?: () => Date;
}

export interface Notifications {
  /** One position check now (the timer runs one every interval). */
  checkPositions(): Promise<void>;
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

const REMEMBERED_RACES = 1_000;

export function startNotifications(options: NotificationsOptions): Notifications {
  const { api, delivery } = options;
  const log = options.logger ?? consoleLogger;
  const now = options.now ?? (() => new Date());
  const threshold = Math.max(1, options.positionThreshold ?? 3);
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
        onStarted: () => log.info(`Listening to ${name}.`),
        onError: (err) => {
          log.error(`${name} failed; subscribing again in ${resubscribeMs} ms:`, err);
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

  // ---- race results ----
  const announced = new Set<number>();
  let lastRaceEventId: string | undefined;
  keepSubscribed('finished races', (handlers) =>
    api.telegram.onRaceFinished.subscribe(lastRaceEventId ? { lastEventId: lastRaceEventId } : undefined, {
      ...handlers,
      onData: ({ id, data: race }) => {
        lastRaceEventId = id;
        // A replay after a reconnect may repeat a race: each is announced once.
        if (announced.has(race.raceId)) return;
        announced.add(race.raceId);
        if (announced.size > REMEMBERED_RACES) {
          const oldest = announced.values().next();
          if (!oldest.done) announced.delete(oldest.value);
        }
        forgetRace(race.raceId);
        const linked = race.winners.filter((w) => w.telegramId !== null);
        log.info(`${race.name} finished: telling ${linked.length} linked of ${race.winners.length} winners.`);
        for (const winner of race.winners) {
          if (winner.telegramId === null) continue;
          void delivery.send(winner.telegramId, raceWinnerText(race, winner), `race ${race.raceId} result`);
        }
      },
    }),
  );

  // ---- users' notifications ----
  keepSubscribed('user notifications', (handlers) =>
    api.telegram.onNotification.subscribe(undefined, {
      ...handlers,
      onData: (notification) => {
        void delivery.send(
          notification.telegramId,
          notificationText(notification),
          `notification ${notification.kind}`,
        );
      },
    }),
  );

  // ---- positions in live races ----
  /** `raceId:telegramId` → the rank the user was last told about (or first seen at). */
  const baselines = new Map<string, number>();
  let checking: Promise<void> | undefined;

  function forgetRace(raceId: number) {
    for (const key of baselines.keys()) if (key.startsWith(`${raceId}:`)) baselines.delete(key);
  }

  async function checkPositionsOnce(): Promise<void> {
    let live: Awaited<ReturnType<NotificationsApi['telegram']['livePositions']['query']>>;
    try {
      live = await api.telegram.livePositions.query(undefined, { signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      log.warn(`Checking race positions failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const seen = new Set<string>();
    for (const race of live) {
      for (const position of race.positions) {
        const key = `${race.raceId}:${position.telegramId}`;
        seen.add(key);
        const baseline = baselines.get(key);
        if (baseline === undefined) {
          // First sight (or the bot just started): nothing to compare with yet.
          baselines.set(key, position.rank);
          continue;
        }
        if (Math.abs(position.rank - baseline) < threshold) continue;
        baselines.set(key, position.rank);
        void delivery.send(
          position.telegramId,
          positionChangeText(race, baseline, position.rank, now()),
          `race ${race.raceId} position`,
        );
      }
    }
    // Races that ended and users who unlinked drop out.
    for (const key of baselines.keys()) if (!seen.has(key)) baselines.delete(key);
  }

  function checkPositions(): Promise<void> {
    // One check at a time: a slow server never stacks them up.
    checking ??= checkPositionsOnce().finally(() => {
      checking = undefined;
    });
    return checking;
  }

  // ---- heartbeat ----
  let reachable = true;
  async function heartbeat(): Promise<boolean> {
    try {
      await api.health.status.query(undefined, { signal: AbortSignal.timeout(10_000) });
      if (!reachable) log.info('The API answers again.');
      reachable = true;
    } catch (err) {
      if (reachable) log.warn(`The API does not answer: ${err instanceof Error ? err.message : String(err)}`);
      reachable = false;
    }
    return reachable;
  }

  function every(ms: number | undefined, fallback: number, run: () => Promise<unknown>) {
    const interval = ms ?? fallback;
    if (interval <= 0) return;
    const timer = setInterval(() => void run(), interval);
    timer.unref();
    timers.push(timer);
  }
  every(options.positionIntervalMs, 60_000, checkPositions);
  every(options.heartbeatMs, 30_000, heartbeat);

  return {
    checkPositions,
    heartbeat,
    stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      for (const unsubscribe of subscriptions) unsubscribe();
    },
  };
}
