/** The bot's one logger shape; main.ts uses the console, tests a recorder. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** `err` is printed whole: an Error with its stack (and cause), so a failure can be traced. */
  error(message: string, err?: unknown): void;
}

export const consoleLogger: Logger = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message, err) => (err === undefined ? console.error(message) : console.error(message, err)),
};
