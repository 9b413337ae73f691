import { inspect } from 'node:util';

/**
 * The bot's one logger shape: the same as the server's (`Logger` in `@goated/api/server`, which
 * the bot, a client, may not import) — pino's `info/warn/error(fields, message)`, so a pino
 * logger can be handed to `createBot` as it is. A failure goes in `err` whole, not its message,
 * so its stack and cause are kept. A Logger never throws: it is called from error handlers.
 */
export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

type Print = (...parts: unknown[]) => void;

/** The message, then `err` printed whole (its stack, its cause); other fields are for structured loggers. */
function printer(print: Print) {
  return (obj: object, msg: string): void => {
    try {
      const err = 'err' in obj ? obj.err : undefined;
      if (err === undefined) print(msg);
      else print(msg, err);
    } catch (failure) {
      // A value whose inspection throws (a hostile proxy, a getter): the message still goes out.
      try {
        print(msg, `(the error could not be printed: ${inspect(failure)})`);
      } catch {
        // Nothing is left to report to.
      }
    }
  };
}

/** main.ts's logger: human lines on the console, for a terminal or journald. */
export const consoleLogger: Logger = {
  info: printer((...parts) => console.log(...parts)),
  warn: printer((...parts) => console.warn(...parts)),
  error: printer((...parts) => console.error(...parts)),
};
