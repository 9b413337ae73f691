/**
 * The server's logger: its settings (`loggerOptions`) and how errors reach it. A log call runs
 * inside error handlers, reconnect loops and the process's last-resort handlers: if it threw, an
 * outage it reports (Redis gone, the database cut) would become an uncaught exception and take
 * the process down. So the serializer takes whatever it is handed as `err` — an Error, a string,
 * a plain object, `null`, a value whose getters throw — and never throws itself.
 */
import type { FastifyServerOptions } from 'fastify';

/** What an `err` field becomes in a log line. */
export interface SerializedError {
  type: string;
  message: string;
  /** Empty when the value logged was not an Error (nothing recorded where it came from). */
  stack: string;
  cause?: unknown;
  [key: string]: unknown;
}

const MAX_CAUSE_DEPTH = 5;

/**
 * A failed query's message (and so its stack) ends with its parameters — session ids, link
 * codes, password hashes: only the SQL is kept.
 */
function redactParams(text: string): string {
  return text.replace(/\nparams: [\s\S]*$/, '\nparams: [redacted]');
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}

function serializeErrorObject(err: Error, depth: number): SerializedError {
  const rawMessage = typeof err.message === 'string' ? err.message : describeValue(err.message);
  const message = redactParams(rawMessage);
  const serialized: SerializedError = {
    type: err.constructor?.name || err.name || 'Error',
    message,
    stack: typeof err.stack === 'string' ? err.stack.replace(rawMessage, message) : '',
  };
  for (const [key, value] of Object.entries(err)) {
    if (key === 'cause' || key === 'message' || key === 'stack') continue;
    if (typeof value === 'string') serialized[key] = redactParams(value);
    else if (typeof value === 'number' || typeof value === 'boolean') serialized[key] = value;
  }
  if (err instanceof AggregateError && Array.isArray(err.errors) && depth < MAX_CAUSE_DEPTH) {
    serialized.errors = err.errors.slice(0, 10).map((inner: unknown) => serializeAt(inner, depth + 1));
  }
  if (err.cause !== undefined) {
    serialized.cause =
      depth < MAX_CAUSE_DEPTH ? serializeAt(err.cause, depth + 1) : { type: 'truncated', message: '…', stack: '' };
  }
  return serialized;
}

function serializeAt(value: unknown, depth: number): SerializedError {
  try {
    if (value instanceof Error) return serializeErrorObject(value, depth);
    if (typeof value === 'object' && value !== null) {
      // Error-like objects (a rejected promise's plain object, a library's own error shape).
      const record = value as Record<string, unknown>;
      const message = typeof record.message === 'string' ? record.message : describeValue(value);
      return {
        type: typeof record.name === 'string' ? record.name : 'Object',
        message: redactParams(message),
        stack: '',
        ...(typeof record.code === 'string' || typeof record.code === 'number' ? { code: record.code } : {}),
      };
    }
    return { type: value === null ? 'null' : typeof value, message: redactParams(describeValue(value)), stack: '' };
  } catch (failure) {
    // A getter threw, a proxy refused: say so rather than lose the line (or the process).
    return {
      type: 'unserializable',
      message: `could not serialize the error: ${describeValue(failure)}`,
      stack: '',
    };
  }
}

/** The `err` serializer of every log line: whatever value comes in, a plain object out, never a throw. */
export function serializeError(err: unknown): SerializedError {
  try {
    return serializeAt(err, 0);
  } catch {
    // Only reachable if describing the serializer's own failure failed too.
    return { type: 'unserializable', message: 'could not serialize the error', stack: '' };
  }
}

/** Fastify's `logger` option: pino's settings. */
type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

/** Where log lines go: stdout unless a test reads them. */
export interface LogStream {
  write(line: string): void;
}

/**
 * The server's one logger (Fastify's pino): JSON lines at `level`, secrets redacted whatever a
 * log call is handed, `err` through `serializeError`. Services and background jobs get it as
 * their `Logger` (`@goated/api/server`).
 */
export function loggerOptions(level: string, stream?: LogStream): LoggerOptions {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.newPassword',
        '*.currentPassword',
        '*.token',
        '*.key',
        'password',
        'token',
      ],
      censor: '[redacted]',
    },
    serializers: { err: serializeError },
  };
}
