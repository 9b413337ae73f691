/**
 * What every command shares: its dependencies, argument helpers, and `attempt`, the one way a
 * command calls the server and turns a failure into the text the person reads.
 */
import type { Context } from 'node-telegram-bot-api';
import { apiErrorCode, type BotApi } from '../api';
import { apiErrorText } from '../format';
import type { Logger } from '../log';

export interface CommandDeps {
  api: BotApi;
  /** Bounds each API call. */
  signal: () => { signal: AbortSignal };
  log: Logger;
  now: () => Date;
}

/** The text after the command (the library sets `ctx.match` to it for `bot.command`). */
export function argsOf(ctx: Context): string {
  return typeof ctx.match === 'string' ? ctx.match.trim() : '';
}

export function isPrivate(ctx: Context): boolean {
  return ctx.chat?.type === 'private';
}

export const noPreview = { link_preview_options: { is_disabled: true } };

/** A server call's value, or the text to answer instead (`code`: the tRPC error code, if any). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string | undefined; text: string };

export interface AttemptOptions {
  /** What the log names when the call fails (`telegram.verify`). */
  failed: string;
  /** What the apology says could not be loaded (`your link code`). */
  about: string;
  /**
   * The answer to an error the server explained (its code and message), in words meant for the
   * person; undefined treats it as a failure: logged, and the apology sent.
   */
  refuse?: (code: string, message: string) => string | undefined | Promise<string | undefined>;
}

/** try → error code → log → reply text, once for every command. */
export async function attempt<T>(log: Logger, call: () => Promise<T>, options: AttemptOptions): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    const code = apiErrorCode(err);
    const refusal = code !== undefined && err instanceof Error ? await options.refuse?.(code, err.message) : undefined;
    if (refusal !== undefined) return { ok: false, code, text: refusal };
    log.error({ err, code }, `${options.failed} failed:`);
    return { ok: false, code, text: apiErrorText(options.about) };
  }
}
