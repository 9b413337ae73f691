/**
 * Redis for tests. `redisTestUrl()` is the machine's shared Redis (REDIS_URL) — tests isolate
 * themselves with a channel prefix of their own. `startRedisServer()` starts a private
 * redis-server on a free port of 127.0.0.1 that a test may kill and restart (never the shared
 * one, which others use).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { freePort } from './ports';

/**
 * REDIS_URL, or undefined when it is unset (those tests are skipped). Under CI the Redis run is
 * mandatory: a missing REDIS_URL fails loudly instead of silently testing less.
 */
export function redisTestUrl(): string | undefined {
  const url = process.env.REDIS_URL;
  if (url) return url;
  if (process.env.CI === 'true') {
    throw new Error('CI=true but REDIS_URL is not set: the Redis test run is mandatory under CI.');
  }
  return undefined;
}

/** Whether a private redis-server can be started (the binary is installed); mandatory under CI. */
export function canStartRedisServer(): boolean {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.CI === 'true') {
    throw new Error('CI=true but redis-server is not installed: the Redis outage tests are mandatory under CI.');
  }
  return found;
}

export interface RedisServer {
  url: string;
  /** Kills the server outright (SIGKILL), as a crash or a lost host would. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = proc;
      let output = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`redis-server did not start on port ${port}:\n${output}`));
      }, 10_000);
      proc.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
      });
    });

  const kill = async () => {
    const proc = child;
    // Killed already (by a signal, exitCode stays null): there is nothing left to wait for.
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };

  await start();
  // Never leave a private server behind, whatever happens to the test.
  process.once('exit', () => child?.kill('SIGKILL'));
  return { url: `redis://127.0.0.1:${port}`, kill, start };
}
