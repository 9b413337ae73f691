import { TRPCError } from '@trpc/server';

/** Domain services throw these; the router's error formatter shapes them for clients. */
export function notFound(what: string): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `${what} not found` });
}
