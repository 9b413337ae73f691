import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../logger';
import type { AppEvents, BusHealth, EventBus, EventHandler, EventTopic } from './bus';
import { createInProcessBus } from './in-process';
import { REDIS_LIVENESS, type RedisLiveness, watchRedisLiveness } from './redis-liveness';
import { checkEvent, isEventTopic } from './schemas';

export interface RedisBusOptions {
  /** `redis://[:password@]host:port[/db]` */
  url: string;
  /** Prepended to every channel, so instances (or test runs) sharing a Redis can be isolated. */
  prefix?: string;
  log?: Logger;
  /** Longest wait between reconnect attempts (default 2 s). */
  maxReconnectDelayMs?: number;
  /** How each connection is pinged, and when a silent one is dropped (see `watchRedisLiveness`). */
  liveness?: RedisLiveness;
}

/** What travels on a channel: the sending instance (to skip its own echo) and the payload. */
const envelopeSchema = z.object({ from: z.string(), payload: z.unknown() });
type Envelope = z.infer<typeof envelopeSchema>;

/**
 * Not an event topic: an instance whose bus is back after an outage says so on this channel, as
 * what it published meanwhile may have been lost (a connection gone silent swallows publishes
 * without an error) — the others run their `onReconnect` listeners too.
 */
const RESYNC_CHANNEL = '~resync';

/** Unknown topics reported so far (once each: a newer instance may publish topics this one lacks). */
const MAX_REPORTED_TOPICS = 100;

/** A logger that throws (a broken stream, a serializer tripping on a payload) must not stop delivery. */
function safeLog(log: Logger | undefined): Logger {
  const guarded =
    (level: keyof Logger) =>
    (obj: object, msg: string): void => {
      try {
        log?.[level](obj, msg);
      } catch {
        // Nothing left to report it to; the event is handled (or dropped) all the same.
      }
    };
  return { info: guarded('info'), warn: guarded('warn'), error: guarded('error') };
}

/** QUIT politely when connected (bounded), otherwise just stop reconnecting. */
async function disconnect(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      // A QUIT that fails leaves nothing to do: disconnect() below closes the socket anyway.
      connection.quit().catch(() => 'failed'),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 1000);
      }),
    ]);
    clearTimeout(timer);
  }
  connection.disconnect();
}

/**
 * Events fan out to this instance's subscribers directly — never through Redis — and to other
 * instances over Redis pub/sub. When Redis is unreachable, local delivery goes on as before,
 * publishes to other instances are dropped (and counted in the log), `health()` reports it,
 * and ioredis reconnects by itself; the subscriber connection resubscribes on its own. Once
 * back, the instance runs its `onReconnect` listeners and tells the others to run theirs.
 * A connection that goes silent without closing is found by pings (`watchRedisLiveness`).
 */
export async function createRedisBus(options: RedisBusOptions): Promise<EventBus> {
  // Loaded only when Redis is configured: the embedded default never pays for the client.
  const { Redis } = await import('ioredis');
  const prefix = options.prefix ?? 'goated:';
  const log = safeLog(options.log);
  const instanceId = randomUUID();
  const local = createInProcessBus();
  const maxDelay = options.maxReconnectDelayMs ?? 2000;

  const publisher = new Redis(options.url, {
    // Fail fast while disconnected instead of queueing: other instances miss those events,
    // but this one must not buffer without bound or stall its publishers.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(100 * attempt, maxDelay),
    connectionName: `goated-pub-${instanceId.slice(0, 8)}`,
  });
  const subscriber = publisher.duplicate({
    // SUBSCRIBE commands wait for the connection instead of failing.
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    connectionName: `goated-sub-${instanceId.slice(0, 8)}`,
  });

  // A connection gone silent keeps its `ready` status; the pings find it and have it reconnect.
  const stopWatching = [publisher, subscriber].map((connection) =>
    watchRedisLiveness(connection, options.liveness ?? REDIS_LIVENESS),
  );

  const channelOf = (topic: EventTopic) => `${prefix}${topic}`;
  // One pattern subscription for every topic, made at once: no per-topic SUBSCRIBE racing the
  // first local subscriber, and topics added to AppEvents need nothing here.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  let closed = false;
  let droppedWhileDown = 0;

  // One "lost" line per outage and one "restored" line after it, not one per retry.
  let connectedLogged = false;
  let downLogged = false;
  const reconnectListeners = new Set<() => void>();
  const onReady = () => {
    if (publisher.status !== 'ready' || subscriber.status !== 'ready') return;
    const wasDown = downLogged;
    if (downLogged) {
      log.info({ droppedWhileDown }, 'redis event bus reconnected; cross-instance delivery resumed');
    } else if (!connectedLogged) {
      log.info({ prefix }, 'redis event bus connected');
    }
    connectedLogged = true;
    downLogged = false;
    droppedWhileDown = 0;
    if (wasDown) {
      for (const listener of [...reconnectListeners]) listener();
      const envelope: Envelope = { from: instanceId, payload: null };
      publisher.publish(`${prefix}${RESYNC_CHANNEL}`, JSON.stringify(envelope)).catch((err: unknown) => {
        log.warn({ err }, 'could not tell the other instances that this one is back');
      });
    }
  };
  const onDown = (err?: Error) => {
    if (closed || downLogged) return;
    downLogged = true;
    log.warn(
      { err: err?.message },
      'redis event bus unavailable; serving local subscribers only, reconnecting in the background',
    );
  };
  for (const connection of [publisher, subscriber]) {
    connection.on('ready', onReady);
    connection.on('error', (err: Error) => onDown(err));
    connection.on('close', () => onDown());
  }

  subscriber.psubscribe(pattern).catch((err: unknown) => {
    if (!closed) log.error({ err, pattern }, 'could not subscribe to the redis event channels');
  });
  const unknownTopics = new Set<string>();
  subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
    const topic = channel.slice(prefix.length);
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch (err) {
      log.warn({ err, channel }, 'ignored a malformed event from redis');
      return;
    }
    const envelope = envelopeSchema.safeParse(parsed);
    if (!envelope.success) {
      log.warn({ channel }, 'ignored a malformed event from redis: not an event envelope');
      return;
    }
    if (envelope.data.from === instanceId) return;
    if (topic === RESYNC_CHANNEL) {
      for (const listener of [...reconnectListeners]) listener();
      return;
    }
    if (!isEventTopic(topic)) {
      if (!unknownTopics.has(topic) && unknownTopics.size < MAX_REPORTED_TOPICS) {
        unknownTopics.add(topic);
        log.warn({ channel }, 'ignored events of a topic this instance does not know');
      }
      return;
    }
    // Another process sent it: what its `publish` was typed with is no guarantee here.
    const checked = checkEvent(topic, envelope.data.payload);
    if (!checked.ok) {
      log.warn({ channel, problems: checked.problems }, 'ignored a malformed event from redis');
      return;
    }
    void local.publish(topic, checked.payload);
  });

  return {
    async publish<T extends EventTopic>(topic: T, payload: AppEvents[T]) {
      await local.publish(topic, payload);
      if (publisher.status !== 'ready') {
        droppedWhileDown++;
        return;
      }
      const envelope: Envelope = { from: instanceId, payload };
      publisher.publish(channelOf(topic), JSON.stringify(envelope)).catch((err: unknown) => {
        droppedWhileDown++;
        log.warn({ err, topic }, 'could not publish an event to redis; other instances miss it');
      });
    },
    subscribe<T extends EventTopic>(topic: T, handler: EventHandler<T>) {
      return local.subscribe(topic, handler);
    },
    health(): BusHealth {
      return { kind: 'redis', connected: publisher.status === 'ready' && subscriber.status === 'ready' };
    },
    onReconnect(listener: () => void) {
      reconnectListeners.add(listener);
      return () => {
        reconnectListeners.delete(listener);
      };
    },
    async close() {
      closed = true;
      for (const stop of stopWatching) stop();
      await local.close();
      await Promise.all([disconnect(publisher), disconnect(subscriber)]);
    },
  };
}
