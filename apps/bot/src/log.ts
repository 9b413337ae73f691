/** The bot's one logger shape; main.ts uses the console, tests a recorder. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, err?: unknown): void;
}

export const consoleLogger: Logger = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message, err) => console.error(message, err instanceof Error ? err.message : (err ?? '')),
};
