import { type AnyTRPCRouter, isTrackedEnvelope, transformTRPCResponse } from '@trpc/server';
import type { Encoder } from '@trpc/server/adapters/ws';
import type { TRPCResponseMessage, TRPCResultMessage } from '@trpc/server/rpc';

type RequestId = number | string;
type RootConfig = AnyTRPCRouter['_def']['_config'];
type Result = TRPCResultMessage<unknown>['result'];

/** What goes to `socket.send`: text (JSON) or, with a binary encoder, bytes. */
export type Frame = string | Buffer | Uint8Array;

/** One event, serialized once: its transformed `result` (and its JSON), and the finished frames per request id. */
interface EncodedEvent {
  result: Result;
  /** The `result` as JSON, for JSON frames (no encoder). */
  json: string | undefined;
  frames: Map<string, Frame>;
}

/** Frames per event for distinct request ids; clients mostly reuse small ids, so a few suffice. */
const MAX_FRAMES_PER_EVENT = 32;

/**
 * Builds the frames a subscription sends — byte for byte what tRPC's own WebSocket adapter
 * sends with the same encoder, so any tRPC client reads them — and, for events that cannot
 * change, serializes each event once rather than once per subscriber.
 *
 * Only an event the caller vouches for (`immutable`: a shared stream's envelope, one per event,
 * never changed once published) and that is frozen is cached, by identity: the transformer
 * (superjson) and the encoder run on the first subscriber's send, and every other subscriber
 * gets the cached bytes (the same Buffer when its request id matches, which `ws` writes
 * without copying). Anything else — a producer's own objects, which it may change and yield
 * again — is serialized afresh on every send, as tRPC's adapter does.
 */
export class FrameEncoder {
  private readonly cache = new WeakMap<object, EncodedEvent>();
  /** Events serialized; for tests and the benchmark. */
  serializations = 0;

  /** `encoder`: tRPC's `Encoder` (e.g. MessagePack); omitted, JSON in text frames. */
  constructor(
    private readonly config: RootConfig,
    private readonly encoder?: Encoder,
  ) {}

  /** Whether `frame` goes out as a binary WebSocket frame (only with a binary encoder). */
  isBinary(frame: Frame): boolean {
    return this.encoder !== undefined && typeof frame !== 'string';
  }

  /** Any response as one frame (the cold path: started/stopped/errors/query results). */
  encode(message: TRPCResponseMessage): Frame {
    const transformed = transformTRPCResponse(this.config, message);
    return this.encoder ? this.encoder.encode(transformed) : JSON.stringify(transformed);
  }

  /** The data frame of one subscription event for one subscriber (the hot path). */
  data(requestId: RequestId, jsonrpc: '2.0' | undefined, value: unknown, immutable: boolean): Frame {
    if (!immutable) return this.frame(requestId, jsonrpc, this.serialize(value));
    // A hit needs no check: only frozen events are stored, and frozen is for good.
    let encoded = typeof value === 'object' && value !== null ? this.cache.get(value) : undefined;
    if (!encoded) {
      if (!isFrozenEvent(value)) return this.frame(requestId, jsonrpc, this.serialize(value));
      encoded = { ...this.serialize(value), frames: new Map() };
      this.cache.set(value, encoded);
    }
    const frameKey = `${jsonrpc ?? ''}${typeof requestId}${requestId}`;
    let bytes = encoded.frames.get(frameKey);
    if (!bytes) {
      const frame = this.frame(requestId, jsonrpc, encoded);
      bytes = typeof frame === 'string' ? Buffer.from(frame) : frame;
      if (encoded.frames.size < MAX_FRAMES_PER_EVENT) encoded.frames.set(frameKey, bytes);
    }
    return bytes;
  }

  private frame(requestId: RequestId, jsonrpc: '2.0' | undefined, event: Omit<EncodedEvent, 'frames'>): Frame {
    // The same object, key for key, as `transformTRPCResponse` gives tRPC's adapter.
    if (this.encoder) return this.encoder.encode({ id: requestId, jsonrpc, result: event.result });
    const json = event.json ?? JSON.stringify(event.result);
    return `{"id":${JSON.stringify(requestId)}${jsonrpc ? ',"jsonrpc":"2.0"' : ''},"result":${json}}`;
  }

  /** Exactly what tRPC's adapter puts under `result` for this value (and, for JSON frames, its JSON). */
  private serialize(value: unknown): Omit<EncodedEvent, 'frames'> {
    this.serializations++;
    const raw: Result = isTrackedEnvelope(value)
      ? { type: 'data', data: { id: value[0], data: value[1] }, id: value[0] }
      : { type: 'data', data: value };
    const message = transformTRPCResponse(this.config, { id: null, result: raw });
    const result = 'result' in message ? message.result : raw;
    return { result, json: this.encoder ? undefined : JSON.stringify(result) };
  }
}

/** A frozen event; for a `tracked()` envelope, its data must be frozen too (or a primitive). */
function isFrozenEvent(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || !Object.isFrozen(value)) return false;
  if (!isTrackedEnvelope(value)) return true;
  const data: unknown = value[1];
  return typeof data !== 'object' || data === null || Object.isFrozen(data);
}
