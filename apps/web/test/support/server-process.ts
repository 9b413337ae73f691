import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@goated/testing';
import { createTestDatabaseUrl } from '@goated/testing/db';
import { webDist } from './build';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const serverMain = path.join(repoRoot, 'apps/server/src/main.ts');

export const ADMIN = { username: 'admin', password: 'e2e admin password' } as const;

export interface ServerProcess {
  url: string;
  /** Ends the process with `signal` (SIGKILL: no goodbye to clients) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port and database. */
  restart(): Promise<void>;
  /** Stops the process and drops its database. */
  close(): Promise<void>;
}

/**
 * The real server as `pnpm start` runs it — its own process, the built dashboard on the same
 * origin as /trpc — on a fixed port (so a restart is found again by the browser) and a
 * database of its own: a fresh PostgreSQL database (a copy of the migrated template) when
 * DATABASE_URL is set, else PGlite files in a temporary folder.
 */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const database = process.env.DATABASE_URL ? await createTestDatabaseUrl({ migrated: true }) : null;
  const dataDir = database ? null : mkdtempSync(path.join(tmpdir(), 'goated-e2e-'));
  const { DATABASE_URL: _db, PORT: _port, DATA_DIR: _dir, REDIS_URL: _redis, ...inherited } = process.env;
  const childEnv: NodeJS.ProcessEnv = {
    ...inherited,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    WEB_DIST: webDist,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    SYNC_ENABLED: 'false',
    SIMULATOR_PLAYERS: '40',
    LEADERBOARD_PUSH_INTERVAL_MS: '100',
    RACE_TICK_MS: '250',
    RATE_LIMIT_AUTH_PER_MIN: '1000',
    RATE_LIMIT_MUTATIONS_PER_MIN: '1000',
    RATE_LIMIT_QUERIES_PER_MIN: '10000',
    ...(database ? { DATABASE_URL: database.url } : { DATA_DIR: dataDir ?? '' }),
    ...env,
  };

  let proc: ChildProcess | null = null;
  let output = '';

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      // Node with tsx's loader (not the tsx CLI), so signals reach the server itself.
      const child = spawn(process.execPath, ['--import', 'tsx', serverMain], {
        cwd: repoRoot,
        env: childEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      proc = child;
      const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60_000);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code}) before listening:\n${output}`));
      };
      child.once('exit', onExit);
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-20_000);
        if (output.includes('server listening')) {
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve();
        }
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-20_000);
      });
    });

  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const child: ChildProcess | null = proc;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    output = '';
  };

  await launch();
  return {
    url: `http://127.0.0.1:${port}`,
    kill,
    restart: launch,
    async close() {
      await kill('SIGTERM');
      await database?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
