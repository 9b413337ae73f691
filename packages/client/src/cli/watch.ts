/** `goated watch …`: live until Ctrl-C (or SIGTERM), then a clean exit. */
import type { RouterOutputs } from '../router';
import type { CommandContext } from './context';
import { time } from './format';
import { leaderboardText, type Period, standingsText } from './read';

type LogEntry = RouterOutputs['logs']['list']['entries'][number];
/** A streamed value with its event id (the server's `tracked()`). */
type Tracked<T> = { id: string; data: T };
export const logTypes = ['info', 'warning', 'error'] as const;

interface Handlers<T> {
  onStarted: () => void;
  onData: (event: T) => void;
  onError: (err: unknown) => void;
}

/**
 * Follows a subscription until a signal asks to stop (resolves) or the server ends it with an
 * error (rejects). The server is asked once first, so an unreachable address fails at once
 * instead of the WebSocket retrying in silence.
 */
async function follow<T>(
  ctx: CommandContext,
  what: string,
  subscribe: (handlers: Handlers<T>) => { unsubscribe(): void },
  render: (event: T) => void,
): Promise<void> {
  await ctx.api.health.status.query();
  await new Promise<void>((resolve, reject) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      subscription.unsubscribe();
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const subscription = subscribe({
      // On stderr, so stdout stays the data alone (--json pipes).
      onStarted: () => process.stderr.write(`Watching ${what} at ${ctx.settings.url} (Ctrl-C to stop)\n`),
      onData: render,
      onError: (err) => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        reject(err);
      },
    });
  });
}

/** Text: a block per update. JSON: one line per event (NDJSON), for piping. */
function emit(ctx: CommandContext, text: () => string, data: unknown) {
  process.stdout.write(ctx.settings.json ? `${JSON.stringify(data)}\n` : `${text()}\n\n`);
}

export function watchLeaderboard(ctx: CommandContext, period: Period, limit: number) {
  return follow<Tracked<RouterOutputs['leaderboard']['top']>>(
    ctx,
    `the ${period} leaderboard`,
    (handlers) => ctx.api.leaderboard.onUpdate.subscribe({ period, limit }, handlers),
    ({ data }) =>
      emit(ctx, () => `${time(data.generatedAt)} — top ${limit} (${period})\n${leaderboardText(data)}`, data),
  );
}

export async function watchRace(ctx: CommandContext, raceId: number, limit: number) {
  const race = await ctx.api.races.get.query({ raceId });
  return follow<Tracked<RouterOutputs['races']['standings']>>(
    ctx,
    `race ${raceId}`,
    (handlers) => ctx.api.races.onUpdate.subscribe({ raceId, limit }, handlers),
    ({ data }) =>
      emit(ctx, () => `${time(data.generatedAt)}\n${standingsText({ ...race, status: data.status }, data)}`, data),
  );
}

function logLine(entry: LogEntry): string {
  const counts = `in ${entry.recordsIn}, out ${entry.recordsOut}, skipped ${entry.recordsSkipped}`;
  return `${time(entry.createdAt)}  ${entry.type.padEnd(7)}  ${entry.message} (${counts}, ${Math.round(entry.durationMs)} ms)`;
}

export function watchLogs(ctx: CommandContext, type: (typeof logTypes)[number] | undefined) {
  return follow<Tracked<LogEntry>>(
    ctx,
    type ? `the ${type} log entries` : 'the transformation log',
    (handlers) => ctx.api.logs.onLog.subscribe(type ? { type } : {}, handlers),
    ({ data }) => {
      process.stdout.write(ctx.settings.json ? `${JSON.stringify(data)}\n` : `${logLine(data)}\n`);
    },
  );
}
