/**
 * A Redis connection that goes silent — a peer gone without a reset, a network partition, a
 * server wedged — keeps its `ready` status in ioredis, and every command sent on it waits for
 * an answer that never comes. TCP keepalive does not notice while the peer's host still
 * acknowledges. Before this watch, the rate-limit check of every request waited there: the
 * whole API hung, and readiness still said the bus was fine.
 *
 * Each watched connection is pinged every `intervalMs` (PING is allowed in subscriber mode
 * too). One that leaves a ping unanswered for `timeoutMs` has its socket destroyed: ioredis
 * sees the connection fail, reports it (its `error` and `close` events, the bus's health),
 * and reconnects with its retry strategy; a subscriber resubscribes by itself.
 */
import type { Redis } from 'ioredis';

export interface RedisLiveness {
  /** How often a ready connection is pinged. */
  intervalMs: number;
  /** How long a ping may go unanswered before the connection counts as dead. */
  timeoutMs: number;
}

export const REDIS_LIVENESS: RedisLiveness = { intervalMs: 5_000, timeoutMs: 2_000 };

/** Starts pinging `connection`; the returned function stops it. */
export function watchRedisLiveness(connection: Redis, liveness: RedisLiveness = REDIS_LIVENESS): () => void {
  // The probe in flight, if any: a ping that never settles (resent after a reconnect, or kept
  // queued) must not stop the probes after it.
  let inFlight = 0;
  let probes = 0;
  const probe = () => {
    if (inFlight !== 0 || connection.status !== 'ready') return;
    const id = ++probes;
    inFlight = id;
    const stream = connection.stream;
    const deadline = setTimeout(() => {
      // The socket the unanswered ping went out on, not one a reconnect has opened since.
      if (connection.stream === stream) {
        stream.destroy(new Error(`Redis did not answer a ping within ${liveness.timeoutMs} ms; reconnecting`));
      }
      done();
    }, liveness.timeoutMs);
    deadline.unref();
    const done = () => {
      clearTimeout(deadline);
      if (inFlight === id) inFlight = 0;
    };
    // A failed ping is a connection already failing: ioredis reports and reconnects it.
    connection.ping().then(done, done);
  };
  const timer = setInterval(probe, liveness.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
