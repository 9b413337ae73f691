/**
 * The one logger shape of every service and background job: the part of pino's API they use,
 * so the server hands them its Fastify (pino) logger as it is, and a test hands them a recorder.
 *
 * - Fields first, message second (`log.warn({ err, uid }, 'could not …')`); a failure goes in
 *   `err` whole, not its message, so the line keeps the stack and the cause.
 * - A Logger never throws. It is called from error handlers, reconnect loops and timers, where a
 *   throw would turn the failure being reported into a crash; the server's serializes `err` with
 *   `serializeError` (apps/server/src/logging.ts), which takes any value.
 *
 * It lives in the api package, the lowest layer with background work (the database package has
 * none), and leaves through `@goated/api/server`. The bot, a client that may not import the
 * server's door, declares the same shape in `apps/bot/src/log.ts`.
 */
export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
