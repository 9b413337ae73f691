/**
 * The server as an operator runs it (`node --import tsx apps/server/src/main.ts`), on
 * 127.0.0.1 and a free port, for tests that signal or kill the process itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@goated/testing';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const main = path.join(root, 'apps/server/src/main.ts');

export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once the process has exited, with its code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running (for `afterEach`). */
  kill(): void;
}

/**
 * Starts the server with `env` on top of a clean environment (no inherited DATABASE_URL, PORT
 * or REDIS_URL) and resolves once `/health` answers. Fails with the process output after
 * `startTimeoutMs`.
 */
export async function startServerProcess(
  env: Record<string, string>,
  {
    port,
    startTimeoutMs = 45_000,
    preload = [],
  }: { port?: number; startTimeoutMs?: number /** Modules loaded first (`--import`). */; preload?: string[] } = {},
): Promise<ServerProcess> {
  const { DATABASE_URL: _db, PORT: _port, REDIS_URL: _redis, ...inherited } = process.env;
  const listenPort = port ?? (await freePort());
  // node with tsx as a loader, as `pnpm start` runs it: signals reach the server itself.
  const proc = spawn(process.execPath, ['--import', 'tsx', ...preload.flatMap((m) => ['--import', m]), main], {
    cwd: root,
    env: {
      ...inherited,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(listenPort),
      WEB_DIST: '/nonexistent',
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'process test password',
      SESSION_COOKIE_SECURE: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${listenPort}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || proc.exitCode !== null || proc.signalCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`the server did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    url,
    output: () => output,
    exited,
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}
