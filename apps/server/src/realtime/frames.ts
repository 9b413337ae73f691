import { type AnyTRPCRouter, isTrackedEnvelope, transformTRPCResponse } from '@trpc/server';
import type { TRPCResponseMessage, TRPCResultMessage } from '@trpc/server/rpc';

type RequestId = number | string;
type RootConfig = AnyTRPCRouter['_def']['_config'];

/** One event, serialized once: its `result` JSON and the finished frames per request id. */
interface EncodedEvent {
  eventId: string | undefined;
  resultJson: string;
  frames: Map<string, Buffer>;
}

/** Frames per event for distinct request ids; clients mostly reuse small ids, so a few suffice. */
const MAX_FRAMES_PER_EVENT = 32;

/**
 * Builds the `{"id":…,"result":{"type":"data",…}}` frames a subscription sends — byte for byte
 * what tRPC's own WebSocket adapter sends, so any tRPC client reads them — but serializes each
 * event once, not once per subscriber: the transformer (superjson) and JSON run on the first
 * subscriber's send, and every other subscriber of the same event object gets the cached
 * bytes (the same Buffer when its request id matches, which `ws` writes without copying).
 *
 * An event is recognised by object identity (for a `tracked()` event: its data object plus
 * id). A frozen object is cached for as long as it lives; an unfrozen one only until the end of
 * the current event-loop turn, so a producer that mutates and re-yields the same object is
 * still serialized afresh.
 */
export class FrameEncoder {
  private readonly frozen = new WeakMap<object, EncodedEvent>();
  private readonly thisTurn = new Map<object, EncodedEvent>();
  private clearScheduled = false;
  /** Events serialized (cache misses); for tests and the benchmark. */
  serializations = 0;

  constructor(private readonly config: RootConfig) {}

  /** Any response as one frame (the cold path: started/stopped/errors/query results). */
  encode(message: TRPCResponseMessage): string {
    return JSON.stringify(transformTRPCResponse(this.config, message));
  }

  /** The data frame of one subscription event for one subscriber (the hot path). */
  data(requestId: RequestId, jsonrpc: '2.0' | undefined, value: unknown): Buffer | string {
    const tracked = isTrackedEnvelope(value);
    const key = tracked ? value[1] : value;
    const eventId = tracked ? value[0] : undefined;
    if (typeof key !== 'object' || key === null) {
      return frame(requestId, jsonrpc, this.resultJson(value));
    }

    let encoded = this.lookup(key);
    if (!encoded || encoded.eventId !== eventId) {
      encoded = { eventId, resultJson: this.resultJson(value), frames: new Map() };
      this.store(key, encoded);
    }
    const frameKey = `${jsonrpc ?? ''}${typeof requestId}${requestId}`;
    let bytes = encoded.frames.get(frameKey);
    if (!bytes) {
      bytes = Buffer.from(frame(requestId, jsonrpc, encoded.resultJson));
      if (encoded.frames.size < MAX_FRAMES_PER_EVENT) encoded.frames.set(frameKey, bytes);
    }
    return bytes;
  }

  private lookup(key: object): EncodedEvent | undefined {
    return Object.isFrozen(key) ? this.frozen.get(key) : this.thisTurn.get(key);
  }

  private store(key: object, encoded: EncodedEvent): void {
    if (Object.isFrozen(key)) {
      this.frozen.set(key, encoded);
      return;
    }
    this.thisTurn.set(key, encoded);
    if (!this.clearScheduled) {
      this.clearScheduled = true;
      setImmediate(() => {
        this.thisTurn.clear();
        this.clearScheduled = false;
      });
    }
  }

  /** Exactly what tRPC's adapter puts under `result` for this value. */
  private resultJson(value: unknown): string {
    this.serializations++;
    const result: TRPCResultMessage<unknown>['result'] = isTrackedEnvelope(value)
      ? { type: 'data', data: { id: value[0], data: value[1] }, id: value[0] }
      : { type: 'data', data: value };
    const message = transformTRPCResponse(this.config, { id: null, result });
    return JSON.stringify('result' in message ? message.result : null);
  }
}

function frame(requestId: RequestId, jsonrpc: '2.0' | undefined, resultJson: string): string {
  return `{"id":${JSON.stringify(requestId)}${jsonrpc ? ',"jsonrpc":"2.0"' : ''},"result":${resultJson}}`;
}
