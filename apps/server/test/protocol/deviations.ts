/**
 * Where our transport answers differently from tRPC's `applyWSSHandler`, on purpose. Each
 * entry has a test in `frames.test.ts` that shows both behaviours, and a row in
 * docs/SCALING.md ("Protocol"), which a test checks. Everything not listed here is
 * byte-identical, frame by frame, within each request id.
 */
export const deviations = {
  'batch-with-a-malformed-call':
    'A batch with one malformed call: tRPC refuses the whole batch with one `id: null` PARSE_ERROR ' +
    'and never answers the good calls; ours gives the malformed call that error and serves the others.',
  'refused-connection-hold':
    'A refused context: after the same frames (the `id: null` error, then each waiting call its ' +
    'error), tRPC closes at once without a code (1005); ours keeps answering calls with the ' +
    'refusal for `refusedHoldMs` (1 s), then closes 1008 `connection refused: <CODE>`.',
  'retryable-refusal':
    'A context refused with a code a retry can mend (SERVICE_UNAVAILABLE, BAD_GATEWAY, ' +
    'GATEWAY_TIMEOUT, INTERNAL_SERVER_ERROR — the codes tRPC counts as retryable): tRPC fails the ' +
    'waiting subscriptions with it; ours fails the queries and mutations only and leaves the ' +
    "subscriptions to the client's reconnect, which resumes them.",
  'close-codes':
    'Bad connectionParams: the same frame and a close at once, with 1008 `connection refused: ' +
    'PARSE_ERROR` from ours where tRPC sends no code (1005).',
  'keep-alive':
    'Keep-alive: tRPC sends a text `PING` and drops a client that sends nothing within ' +
    '`pongWaitMs`; ours sends a protocol ping frame and drops a client that neither pongs nor ' +
    'sends. Both answer a text `PING` with `PONG`.',
  'shutdown-close':
    "Shutdown: the same `reconnect` notice; tRPC's `broadcastReconnectNotification` leaves the " +
    'socket open, ours closes it with 1001 `server shutting down`.',
  limits:
    'Limits tRPC does not have: message size (1009), message rate (4029), subscriptions per ' +
    'connection (TOO_MANY_REQUESTS, 4030), slow consumers (4008), connectionParams within 10 s ' +
    '(1008); `maxBatchSize` on by default (100, `WS_MAX_BATCH_SIZE`), answered as tRPC answers it.',
  'observable-emitted-state':
    "An observable that changes one object and emits it again synchronously: tRPC's adapter " +
    'queues the emissions and serializes them when its loop reaches them, so each frame shows ' +
    'the last state; ours serializes each emission as it is emitted.',
  interleaving:
    'Across request ids frames may interleave differently: ours sends `stopped` as soon as it ' +
    "reads a stop, tRPC's adapter after the producer's cleanup has run. The suite compares frames per request id.",
} as const;

export type DeviationId = keyof typeof deviations;

/** A test title naming the deviation it pins down. */
export const deviation = (id: DeviationId, what: string) => `[deviation ${id}] ${what}`;
