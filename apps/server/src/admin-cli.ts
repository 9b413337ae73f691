/**
 * `pnpm admin:reset-password USERNAME [--force]`: recovers a locked-out account (typically an
 * operator's admin) from a shell on the server. It reads the same settings as the server
 * (DATABASE_URL, or the embedded DATA_DIR; REDIS_URL), gives the account a generated password
 * shown once — to be replaced at the next sign-in — and ends every session of it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRedisBus, resetPasswordAsOperator, UnknownUserError } from '@goated/api/server';
import { createDb } from '@goated/db';
import { ConfigError, loadConfig } from './config';

const usage = 'Usage: pnpm admin:reset-password USERNAME [--force]';

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { force: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const [command, username, ...extra] = positionals;
  if (command !== 'reset-password' || !username || extra.length > 0) fail(usage, 2);

  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }

  // Embedded PGlite is one process: while the server holds the folder, nobody else may open it.
  if (!config.db.url && existsSync(path.join(config.db.dataDir, 'postmaster.pid')) && !values.force) {
    fail(
      `The data folder ${config.db.dataDir} is in use by a running server (or it did not shut down cleanly).\n` +
        'Stop the server, run this again, then start the server. If no server is running, pass --force.',
    );
  }

  const db = await createDb({
    databaseUrl: config.db.url,
    dataDir: config.db.dataDir,
    pgliteSharedBuffers: config.db.pgliteSharedBuffers,
    poolMax: 2,
  });
  try {
    const reset = await resetPasswordAsOperator(db.db, username);
    // Running instances end the account's open connections at once (with Redis, all of them).
    if (config.redis.url) {
      const bus = await createRedisBus({ url: config.redis.url, prefix: config.redis.prefix });
      await bus.publish('auth.revoked', {
        userId: reset.userId,
        sessionIds: 'all',
        reason: 'password-changed',
        at: new Date().toISOString(),
      });
      await bus.close();
    }
    console.log(
      [
        `Password reset for "${reset.username}" (${reset.role}${reset.banned ? ', banned' : ''}).`,
        '',
        `  New password: ${reset.password}`,
        '',
        'It is shown only now. Sign in with it; you will be asked to choose your own at once.',
        `${reset.sessionsEnded} session${reset.sessionsEnded === 1 ? '' : 's'} of this account ended.`,
      ].join('\n'),
    );
  } catch (err) {
    if (err instanceof UnknownUserError) fail(`${err.message}. Check the spelling (usernames are case-insensitive).`);
    throw err;
  } finally {
    await db.close();
  }
}

await main().catch((err: unknown) =>
  fail(`Could not reset the password: ${err instanceof Error ? err.message : String(err)}`),
);
