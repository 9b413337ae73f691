/**
 * Reading what a client sends, the way tRPC's WebSocket adapter reads it: the same checks and
 * the same error messages, so a client sees the same answers from either server.
 */
import { type AnyTRPCRouter, getTRPCErrorShape, TRPCError } from '@trpc/server';
import type { Encoder } from '@trpc/server/adapters/ws';
import { parseConnectionParamsFromUnknown, type TRPCRequestInfo } from '@trpc/server/http';
import { parseTRPCMessage, TRPC_ERROR_CODES_BY_KEY, type TRPCClientOutgoingMessage } from '@trpc/server/rpc';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData } from 'ws';

export type RequestId = number | string;

/**
 * Whom an error answers, key for key as tRPC's adapter builds it (which matters to encoders
 * that keep `undefined` keys): a call (`id`, `jsonrpc`), or the connection (`id: null` alone).
 */
export type ErrorTarget = { id: null } | { id: RequestId | null; jsonrpc: '2.0' | undefined };
export const connectionLevel: ErrorTarget = { id: null };
type Transformer = Parameters<typeof parseTRPCMessage>[1];

/** The server's reconnect notice (tRPC's `TRPCReconnectNotification`). */
export const reconnectNotice = { id: null, method: 'reconnect' } as const;

/** An incoming message's payload as the encoder takes it: text as a string, binary as bytes. */
export function payloadOf(data: RawData, isBinary: boolean): string | Buffer {
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  return isBinary ? bytes : bytes.toString('utf8');
}

/** One call of a message (or of a batch), or why it was refused. */
export type ParsedCall =
  | { ok: true; message: TRPCClientOutgoingMessage }
  | { ok: false; to: ErrorTarget; error: TRPCError };

/**
 * The calls of one decoded message (`runs`: how many will run, for the rate budget). A batch
 * over `maxBatchSize` is refused as tRPC refuses it: every call that has an id gets
 * BAD_REQUEST (or one `id: null` error if none has), none runs.
 * Otherwise each call is taken as if it had been sent alone: a malformed one gets the
 * `id: null` PARSE_ERROR a malformed message gets, and the others are served (tRPC's adapter
 * refuses the whole batch instead, leaving the good calls unanswered: see docs/SCALING.md).
 */
export function parseCalls(
  decoded: unknown,
  transformer: Transformer,
  maxBatchSize: number,
): { calls: ParsedCall[]; runs: number } {
  const items = Array.isArray(decoded) ? decoded : [decoded];
  if (Array.isArray(decoded) && items.length > maxBatchSize) {
    const error = new TRPCError({ code: 'BAD_REQUEST', message: 'Batch call exceeds maximum size' });
    const refused: ParsedCall[] = [];
    for (const raw of items) {
      if (isObject(raw) && raw.method !== 'subscription.stop' && isRequestId(raw.id)) {
        refused.push({ ok: false, to: { id: raw.id, jsonrpc: raw.jsonrpc === '2.0' ? '2.0' : undefined }, error });
      }
    }
    return { calls: refused.length > 0 ? refused : [{ ok: false, to: connectionLevel, error }], runs: 0 };
  }
  const calls = items.map((raw): ParsedCall => {
    try {
      return { ok: true, message: parseTRPCMessage(raw, transformer) };
    } catch (cause) {
      return { ok: false, to: connectionLevel, error: new TRPCError({ code: 'PARSE_ERROR', cause }) };
    }
  });
  return { calls, runs: calls.length };
}

/** The `connectionParams` message a `?connectionParams=1` connection opens with. */
export function parseConnectionParams(encoder: Encoder, payload: string | Buffer): TRPCRequestInfo['connectionParams'] {
  let message: unknown;
  try {
    message = encoder.decode(payload);
    if (!isObject(message)) throw new Error('Message was not an object');
  } catch (cause) {
    throw new TRPCError({ code: 'PARSE_ERROR', message: 'Malformed TRPCConnectionParamsMessage', cause });
  }
  return parseConnectionParamsFromUnknown(message.data);
}

/**
 * Codes a retry can mend — the ones tRPC's own clients treat as retryable (the database was
 * briefly unreachable while resolving who is calling, a proxy hiccup, an unexpected failure).
 */
const retryableCodes = new Set(['BAD_GATEWAY', 'SERVICE_UNAVAILABLE', 'GATEWAY_TIMEOUT', 'INTERNAL_SERVER_ERROR']);
export const isRetryable = (error: TRPCError) => retryableCodes.has(error.code);

/** As tRPC's adapter: the resumption point of a subscription becomes part of its input. */
export function inputWithLastEventId(input: unknown, lastEventId: string | undefined): unknown {
  if (lastEventId === undefined) return input;
  return isObject(input) ? { ...input, lastEventId } : (input ?? { lastEventId });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'number' || typeof value === 'string';
}

/**
 * An error as the router's error formatter shapes it; a formatter that throws is logged and the
 * client gets a plain internal error instead.
 */
export function errorShape(
  router: AnyTRPCRouter,
  info: Omit<Parameters<typeof getTRPCErrorShape>[0], 'config'>,
  log: FastifyBaseLogger,
): ReturnType<typeof getTRPCErrorShape> {
  try {
    return getTRPCErrorShape({ config: router._def._config, ...info });
  } catch (err) {
    log.error({ err }, 'errorFormatter threw');
    return {
      code: TRPC_ERROR_CODES_BY_KEY.INTERNAL_SERVER_ERROR,
      message: 'Internal server error',
      data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 },
    };
  }
}
