import { TRPCError } from '@trpc/server';
import { ZodRealError } from 'zod';

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

/**
 * A rejected input found by a service (a rule that needs the database or the clock): shaped
 * like a zod failure, so clients get `BAD_REQUEST` with `zodIssues` naming each field.
 */
export function invalidInput(issues: { path: (string | number)[]; message: string }[]): TRPCError {
  const cause = new ZodRealError(
    issues.map((i) => ({ code: 'custom' as const, path: i.path, message: i.message, input: undefined })),
  );
  return new TRPCError({
    code: 'BAD_REQUEST',
    message: issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    cause,
  });
}

/** The request is valid but the target's state forbids it (e.g. editing a finished race). */
export function conflict(message: string): TRPCError {
  return new TRPCError({ code: 'CONFLICT', message });
}
