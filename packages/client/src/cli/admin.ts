/** The admin commands: sync status|run, keys create|list|revoke. */
import type { RouterOutputs } from '../router';
import type { CommandContext } from './context';
import { table, time } from './format';

export const scopes = ['bot', 'ingest', 'read', 'admin'] as const;
export type Scope = (typeof scopes)[number];

type SyncRun = RouterOutputs['sync']['runNow'];
type ApiKey = RouterOutputs['admin']['apiKeys']['list'][number];

export async function syncStatus(ctx: CommandContext) {
  const status = await ctx.api.sync.status.query({ runs: 10 });
  ctx.print(() => {
    const head = [
      `source: ${status.source}`,
      `schedule: ${status.scheduled ? `every ${Math.round((status.intervalMs ?? 0) / 1000)} s` : 'off'}${status.nextRunAt ? `, next at ${time(status.nextRunAt)}` : ''}`,
      `running now: ${status.running ? 'yes' : 'no'}`,
      `last success: ${status.lastSuccessAt ? time(status.lastSuccessAt) : 'never'}`,
      ...(status.lastError ? [`last error: ${status.lastError.message} (run ${status.lastError.runId})`] : []),
    ];
    const runs = status.lastRuns.map((run) => [
      String(run.id),
      time(run.startedAt),
      run.trigger,
      run.status,
      `${run.recordsIn}/${run.recordsOut}/${run.recordsSkipped}`,
    ]);
    return `${head.join('\n')}\n\n${table(['run', 'started', 'trigger', 'status', 'in/out/skipped'], runs)}`;
  }, status);
}

function runText(run: SyncRun): string {
  const counts = `${run.recordsIn} in, ${run.recordsOut} out, ${run.recordsSkipped} skipped, ${run.changedPlayers} players changed`;
  return `Sync run ${run.runId}: ${run.status} in ${Math.round(run.durationMs)} ms — ${counts}${run.error ? `\n${run.error}` : ''}`;
}

/** A sync run is answered when it has finished: a big feed takes longer than other calls. */
const SYNC_RUN_TIMEOUT_MS = 10 * 60_000;

export async function syncRun(ctx: CommandContext) {
  const timeoutMs = ctx.settings.timeoutMs ?? SYNC_RUN_TIMEOUT_MS;
  const run = await ctx.api.sync.runNow.mutate({}, { context: { timeoutMs } });
  ctx.print(() => runText(run), run);
}

function keyRow(key: ApiKey): string[] {
  return [
    String(key.id),
    key.name,
    key.prefix,
    key.scopes.join(','),
    key.status,
    key.expiresAt ? time(key.expiresAt) : '—',
    key.lastUsedAt ? time(key.lastUsedAt) : 'never',
  ];
}

export async function keysList(ctx: CommandContext) {
  const keys = await ctx.api.admin.apiKeys.list.query();
  ctx.print(
    () =>
      keys.length === 0
        ? 'No API keys yet: goated keys create NAME --scope read'
        : table(['id', 'name', 'prefix', 'scopes', 'status', 'expires', 'last used'], keys.map(keyRow), ['right']),
    keys,
  );
}

export async function keysCreate(ctx: CommandContext, name: string, keyScopes: Scope[], expiresInDays?: number) {
  const created = await ctx.api.admin.apiKeys.create.mutate({
    name,
    scopes: keyScopes,
    ...(expiresInDays ? { expiresAt: new Date(Date.now() + expiresInDays * 86_400_000) } : {}),
  });
  ctx.print(
    () =>
      `${created.key}\n\nAPI key ${created.apiKey.id} "${created.apiKey.name}" (${created.apiKey.scopes.join(', ')}). ` +
      'It is shown only now: store it (e.g. as API_TOKEN).',
    created,
  );
}

export async function keysRevoke(ctx: CommandContext, id: number) {
  const key = await ctx.api.admin.apiKeys.revoke.mutate({ id });
  ctx.print(() => `Revoked API key ${key.id} "${key.name}".`, key);
}
