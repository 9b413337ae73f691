import { TRPCError } from '@trpc/server';

/** Domain services throw these; the router's error formatter shapes them for clients. */
export function notFound(what: string): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `${what} not found` });
}

/** A failure tied to one input field; clients show it next to that field like a zod issue. */
export class FieldError extends Error {
  constructor(
    readonly path: (string | number)[],
    readonly reason: string,
  ) {
    super(`${path.join('.')}: ${reason}`);
    this.name = 'FieldError';
  }
}

export function fieldError(code: TRPCError['code'], path: (string | number)[], reason: string): TRPCError {
  const cause = new FieldError(path, reason);
  return new TRPCError({ code, message: cause.message, cause });
}
