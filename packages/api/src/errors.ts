import { TRPCError } from '@trpc/server';
import { ZodRealError } from 'zod';

/** Domain services throw these; the router's error formatter shapes them for clients. */
export function notFound(what: string): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `${what} not found` });
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
