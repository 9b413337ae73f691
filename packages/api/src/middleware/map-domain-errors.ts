import { TRPCError } from '@trpc/server';
import { ZodRealError } from 'zod';
import { DomainError, InvalidInputError } from '../errors';
import { t } from '../init';
import { isSharedSubscription, type SharedSubscription, type StreamSink, subscribeDirect } from '../live/shared-stream';

/**
 * A service's refusal as the tRPC error clients get: its code and message, and as the cause
 * what the error formatter reads — the FieldError or RateLimitedError itself, or, for a set of
 * rejected fields, a zod error so they arrive as `zodIssues` like a schema's own.
 */
export function toTRPCError(err: DomainError): TRPCError {
  const cause =
    err instanceof InvalidInputError
      ? new ZodRealError(
          err.issues.map((i) => ({ code: 'custom' as const, path: i.path, message: i.message, input: undefined })),
        )
      : err;
  return new TRPCError({ code: err.code, message: err.message, cause });
}

/** `err` mapped if it is a domain error; anything else (a TRPCError, a bug) passes unchanged. */
export function trpcErrorOf(err: unknown): unknown {
  return err instanceof DomainError ? toTRPCError(err) : err;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

async function* iterableMappingErrors(source: AsyncIterable<unknown>): AsyncGenerator<unknown> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = await iterator.next();
      } catch (err) {
        finished = true;
        throw trpcErrorOf(err);
      }
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    // Not awaited: the source may be parked on an await that only its abort signal ends.
    if (!finished) void iterator.return?.();
  }
}

/**
 * A sink passing events on and mapping errors. A class, not an object of two arrow functions:
 * it is held for a subscription's life, and under tsx (`keepNames`) each named arrow function
 * costs ~0.3 KB more (issue #22).
 */
class ErrorMappingSink implements StreamSink<unknown> {
  constructor(private readonly sink: StreamSink<unknown>) {}
  next(value: unknown): void {
    this.sink.next(value);
  }
  error(cause: unknown): void {
    this.sink.error(trpcErrorOf(cause));
  }
}

/** A shared stream keeps its push path; only the errors it delivers are mapped. */
function sharedMappingErrors(source: SharedSubscription<unknown>): SharedSubscription<unknown> {
  return {
    [subscribeDirect]: (sink) => source[subscribeDirect](new ErrorMappingSink(sink)),
    [Symbol.asyncIterator]: () => iterableMappingErrors(source)[Symbol.asyncIterator](),
  };
}

/**
 * Services throw domain errors (errors.ts); this is the one place they become tRPC errors —
 * whether the procedure or a later middleware throws one, or a subscription's stream ends with
 * one. A TRPCError passes through untouched.
 */
export const mapDomainErrors = t.middleware(async ({ type, next }) => {
  const result = await next();
  if (!result.ok) {
    // tRPC wraps whatever was thrown below in an INTERNAL_SERVER_ERROR whose cause it is.
    const cause = result.error.cause;
    return cause instanceof DomainError ? { ...result, error: toTRPCError(cause) } : result;
  }
  if (type !== 'subscription') return result;
  if (isSharedSubscription(result.data)) return { ...result, data: sharedMappingErrors(result.data) };
  if (isAsyncIterable(result.data)) return { ...result, data: iterableMappingErrors(result.data) };
  return result;
});
