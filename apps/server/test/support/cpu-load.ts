/**
 * A CPU-bound child process beside a test, so races that hide on an idle machine show up:
 * one busy loop per requested worker, each ending by itself after `maxMs` (bounded even if the
 * test never stops it).
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface CpuLoad {
  stop(): Promise<void>;
}

export function startCpuLoad({ workers = 1, maxMs = 60_000 }: { workers?: number; maxMs?: number } = {}): CpuLoad {
  const children: ChildProcess[] = Array.from({ length: workers }, () =>
    spawn(process.execPath, ['-e', `const end = Date.now() + ${maxMs}; while (Date.now() < end) {}`], {
      stdio: 'ignore',
    }),
  );
  return {
    stop: async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}
