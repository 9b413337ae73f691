import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const webRoot = fileURLToPath(new URL('../../', import.meta.url));
export const webDist = path.join(webRoot, 'dist');

/**
 * Builds the dashboard into apps/web/dist, as `pnpm build` does, so the browser tests and the
 * screenshots always see the current sources (a fresh clone has no build; a build takes seconds).
 */
export function buildDashboard(): void {
  const require = createRequire(path.join(webRoot, 'package.json'));
  const viteBin = path.join(path.dirname(require.resolve('vite/package.json')), 'bin/vite.js');
  const result = spawnSync(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], {
    cwd: webRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`dashboard build failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}
