/** Close codes a client sees, with a reason naming the limit. */
export const closeCodes = {
  /** RFC 6455: the server is going away (shutdown, deploy). Clients reconnect elsewhere. */
  goingAway: 1001,
  /** RFC 6455: the connection's context was refused (bad credentials, bad connectionParams). */
  policyViolation: 1008,
  /** RFC 6455: a message over `maxMessageBytes` (sent by `ws` itself). */
  messageTooBig: 1009,
  /** The client did not read fast enough: its send buffer passed `maxBufferedBytes`. */
  slowConsumer: 4008,
  /** More messages per second than the connection's budget. */
  rateLimited: 4029,
  /** More concurrent subscriptions than one connection may hold. */
  tooManySubscriptions: 4030,
} as const;

export interface TransportLimits {
  /** Largest incoming frame in bytes; enforced by `ws` (`maxPayload`), which closes with 1009. */
  maxMessageBytes: number;
  /** Sustained incoming messages per second per connection (token bucket)… */
  messagesPerSecond: number;
  /** …and the burst it allows. A batch counts one per call in it. */
  messageBurst: number;
  /**
   * Most calls in one batch (tRPC's `maxBatchSize`): a longer batch is refused call by call
   * with BAD_REQUEST, none of it run, and the connection stays open.
   */
  maxBatchSize: number;
  maxSubscriptions: number;
  /** A connection whose unsent bytes pass this is closed as a slow consumer. */
  maxBufferedBytes: number;
}

export interface KeepAliveOptions {
  /** Ping a connection (a protocol ping frame) after this long without hearing from it. */
  pingMs: number;
  /** Close it if nothing arrives this long after the ping. */
  pongWaitMs: number;
}

/**
 * The monotonic clock in whole milliseconds. Per-connection times are kept as small integers,
 * which V8 stores in the object itself: a fractional `performance.now()` is a 16-byte number
 * object of its own per field (thousands of connections; issue #22).
 */
export function nowMs(): number {
  return Math.floor(performance.now());
}

/** A token bucket's state, kept in the connection itself (one object less per connection). */
export interface MessageBudget {
  tokens: number;
  refilledAt: number;
}

/**
 * Token bucket: `messagesPerSecond` sustained, `messageBurst` at once. Takes `count` tokens from
 * `budget`; false once it is overdrawn.
 */
export function spendBudget(
  budget: MessageBudget,
  limits: Pick<TransportLimits, 'messagesPerSecond' | 'messageBurst'>,
  count: number,
): boolean {
  const { messagesPerSecond, messageBurst } = limits;
  const now = nowMs();
  budget.tokens = Math.min(messageBurst, budget.tokens + ((now - budget.refilledAt) * messagesPerSecond) / 1000);
  budget.refilledAt = now;
  budget.tokens -= count;
  return budget.tokens >= 0;
}
