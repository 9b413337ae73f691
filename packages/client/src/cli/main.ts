#!/usr/bin/env node
/**
 * `goated`: the GoatedVIPs API from a terminal. Every command prints text for people, or JSON
 * with --json; the server is API_URL (or --url), the credential API_TOKEN (or --token).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { clientVersion } from '../version';
import { keysCreate, keysList, keysRevoke, type Scope, scopes, syncRun, syncStatus } from './admin';
import { type CommandContext, exitCodes, type GlobalOptions, resolveSettings, withClient } from './context';
import { type Period, periods, player, race, top } from './read';
import { logTypes, watchLeaderboard, watchLogs, watchRace } from './watch';

function positiveInteger(what: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${what} must be a whole number from 1 to ${max}.`);
    }
    return n;
  };
}

const limitOption = () =>
  new Option('-n, --limit <n>', 'how many rows (1–100)').argParser(positiveInteger('The limit', 100)).default(10);
const periodOption = () =>
  new Option('-p, --period <period>', 'leaderboard period').choices(periods).default('month' satisfies Period);

export function buildProgram(run: (command: (ctx: CommandContext) => Promise<void>) => void): Command {
  const program = new Command('goated')
    .description('The GoatedVIPs API from the command line: leaderboards, races, players, live streams, admin.')
    .version(clientVersion)
    .option('--url <url>', 'server address (default: API_URL, else http://127.0.0.1:$PORT, else :5000)')
    .option('--token <token>', 'API key or session token (default: API_TOKEN)')
    .option('--json', 'print JSON instead of text (watch: one JSON object per line)')
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for an answer (default 30; sync run: 600)').argParser(
        positiveInteger('The timeout in seconds', 3600),
      ),
    )
    .showHelpAfterError('(goated --help lists the commands and options)')
    .addHelpText(
      'after',
      `
Environment: API_URL (server), API_TOKEN (credential), PORT (local server's port).
Exit codes: 0 done, 1 the server refused or failed, 2 wrong usage, 3 server unreachable or silent.
Examples:
  goated top --period week --limit 5
  goated watch leaderboard            (Ctrl-C to stop)
  API_TOKEN=gvk_… goated keys create reporting --scope read`,
    );

  program
    .command('top')
    .description('the leaderboard of a period')
    .addOption(periodOption())
    .addOption(limitOption())
    .option('-s, --search <name>', 'only players whose name starts with this')
    .action((opts: { period: Period; limit: number; search?: string }) => run((ctx) => top(ctx, opts)));

  program
    .command('race')
    .description('live and upcoming races, or one race with its standings')
    .argument('[id]', 'race id', positiveInteger('The race id'))
    .addOption(limitOption())
    .action((id: number | undefined, opts: { limit: number }) => run((ctx) => race(ctx, id, opts.limit)));

  program
    .command('player')
    .description("a player's totals, ranks and live races, by name (or uid)")
    .argument('<name>', 'player name (a unique prefix is enough) or uid')
    .action((name: string) => run((ctx) => player(ctx, name)));

  const watch = program.command('watch').description('follow a live stream until Ctrl-C');
  watch
    .command('leaderboard')
    .description('the top N of a period, again whenever it changes')
    .addOption(periodOption())
    .addOption(limitOption())
    .action((opts: { period: Period; limit: number }) => run((ctx) => watchLeaderboard(ctx, opts.period, opts.limit)));
  watch
    .command('race')
    .description("a race's standings, again whenever they change")
    .argument('<id>', 'race id', positiveInteger('The race id'))
    .addOption(limitOption())
    .action((id: number, opts: { limit: number }) => run((ctx) => watchRace(ctx, id, opts.limit)));
  watch
    .command('logs')
    .description("the sync pipeline's transformation log (admin or read key)")
    .addOption(new Option('-t, --type <type>', 'only this kind of entry').choices(logTypes))
    .action((opts: { type?: (typeof logTypes)[number] }) => run((ctx) => watchLogs(ctx, opts.type)));

  const sync = program.command('sync').description('the data pipeline (admin)');
  sync
    .command('status')
    .description('schedule, last runs, last error')
    .action(() => run(syncStatus));
  sync
    .command('run')
    .description('run the sync now and print its result')
    .action(() => run(syncRun));

  const keys = program.command('keys').description('API keys (admin)');
  keys
    .command('list')
    .description('every key with its scopes and status')
    .action(() => run(keysList));
  keys
    .command('create')
    .description('a new key, printed once')
    .argument('<name>', 'what the key is for')
    .addOption(new Option('--scope <scope...>', 'what it may do (repeatable)').choices(scopes).makeOptionMandatory())
    .option('--expires-in-days <days>', 'expiry', positiveInteger('The expiry in days', 3650))
    .action((name: string, opts: { scope: Scope[]; expiresInDays?: number }) =>
      run((ctx) => keysCreate(ctx, name, opts.scope, opts.expiresInDays)),
    );
  keys
    .command('revoke')
    .description('revoke a key at once')
    .argument('<id>', 'key id (goated keys list)', positiveInteger('The key id'))
    .action((id: number) => run((ctx) => keysRevoke(ctx, id)));

  return program;
}

/** Parses argv, runs the command, and resolves with the process's exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let pending: Promise<number> | undefined;
  const program = buildProgram((command) => {
    pending = withClient(resolveSettings(program.opts<GlobalOptions>(), env), command);
  });
  program.exitOverride();
  for (const sub of program.commands) {
    sub.exitOverride();
    for (const leaf of sub.commands) leaf.exitOverride();
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      const done = err.code === 'commander.helpDisplayed' || err.code === 'commander.version';
      return done ? exitCodes.ok : exitCodes.usage;
    }
    throw err;
  }
  if (!pending) {
    // A group without its subcommand (`goated watch`): show what it offers.
    program.outputHelp();
    return exitCodes.usage;
  }
  return pending;
}

// A reader that stops early (`goated top | head -3`, a `watch` piped into a program that quits)
// closes the pipe: stop quietly, as command-line tools do, not with an EPIPE stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(exitCodes.ok);
  throw err;
});
process.exitCode = await main(process.argv, process.env);
