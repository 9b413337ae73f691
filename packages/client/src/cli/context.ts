import { type Client, createClient } from '../client';
import { errorCode, serverUnreachable } from '../errors';

/** Exit codes, documented in `goated --help`. */
export const exitCodes = {
  ok: 0,
  /** The server answered with an error (not found, refused, invalid input…). */
  failed: 1,
  /** The command line itself was wrong. */
  usage: 2,
  /** Nothing answered at the server's address, or nothing in time (`--timeout`). */
  unreachable: 3,
} as const;

export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
  /** Seconds to wait for an answer (`--timeout`). */
  timeout?: number;
}

export interface Settings {
  url: string;
  /** Where the URL came from, so an error can say what to change. */
  urlSource: '--url' | 'API_URL' | 'PORT' | 'default';
  token: string | undefined;
  json: boolean;
  /** How long a call waits for the server's answer; undefined: the client's default (30 s). */
  timeoutMs: number | undefined;
}

/** Flags first, then API_URL / API_TOKEN, then the local server on PORT (default 5000). */
export function resolveSettings(options: GlobalOptions, env: NodeJS.ProcessEnv): Settings {
  const common = {
    token: options.token ?? (env.API_TOKEN || undefined),
    json: options.json === true,
    timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000,
  };
  if (options.url) return { url: options.url, urlSource: '--url', ...common };
  if (env.API_URL) return { url: env.API_URL, urlSource: 'API_URL', ...common };
  if (env.PORT) return { url: `http://127.0.0.1:${env.PORT}`, urlSource: 'PORT', ...common };
  return { url: 'http://127.0.0.1:5000', urlSource: 'default', ...common };
}

/** A failure the user should read (printed without a stack), with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = exitCodes.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface CommandContext {
  settings: Settings;
  api: Client['api'];
  /** Text for people, or the same data as JSON for scripts (`--json`). */
  print(text: () => string, data: unknown): void;
}

/** Runs one command with a client, turning every failure into a message that says what to do. */
export async function withClient(settings: Settings, command: (ctx: CommandContext) => Promise<void>): Promise<number> {
  const { api, close } = createClient({
    url: settings.url,
    token: settings.token,
    timeoutMs: settings.timeoutMs,
    onVersionMismatch: (message) => process.stderr.write(`warning: ${message}\n`),
  });
  const ctx: CommandContext = {
    settings,
    api,
    print: (text, data) => {
      process.stdout.write(settings.json ? `${JSON.stringify(data, null, 2)}\n` : `${text()}\n`);
    },
  };
  try {
    await command(ctx);
    return exitCodes.ok;
  } catch (err) {
    const failure = explain(err, settings);
    process.stderr.write(`error: ${failure.message}\n`);
    return failure.exitCode;
  } finally {
    await close();
  }
}

function whereFrom(settings: Settings): string {
  switch (settings.urlSource) {
    case '--url':
      return 'Check the --url you passed.';
    case 'API_URL':
      return 'API_URL points there: set it to where the server listens, or pass --url.';
    case 'PORT':
      return 'That is the local server on PORT: start it (pnpm start), or set API_URL / --url.';
    default:
      return 'That is the default local server: start it (pnpm start), or set API_URL (or --url) to where it runs.';
  }
}

/** The user-facing message and exit code for any failure. */
export function explain(err: unknown, settings: Settings): CliError {
  if (err instanceof CliError) return err;
  const unreachable = serverUnreachable(err);
  if (unreachable) return new CliError(`${unreachable.message}. ${whereFrom(settings)}`, exitCodes.unreachable);
  const message = err instanceof Error ? err.message : String(err);
  switch (errorCode(err)) {
    case 'UNAUTHORIZED':
      return new CliError(
        settings.token
          ? `${message}: the token was not accepted (revoked, expired or mistyped). Pass a valid API key with --token or API_TOKEN.`
          : `${message}: this needs an API key. Pass one with --token or set API_TOKEN (an admin creates one with: goated keys create NAME --scope read).`,
      );
    case 'FORBIDDEN':
      return new CliError(`${message}. Use a key with the right scope (admin, or read for admin queries).`);
    case 'TOO_MANY_REQUESTS':
      return new CliError(`${message} (rate limit).`);
    case null:
      return new CliError(message);
    default:
      return new CliError(message);
  }
}
