import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const unitsDir = path.join(repoRoot, 'deploy/systemd');

describe('the systemd units', () => {
  it('start programs that exist in the repository (a moved entry point is followed there too)', () => {
    const started: string[] = [];
    for (const unit of readdirSync(unitsDir)) {
      const text = readFileSync(path.join(unitsDir, unit), 'utf8');
      for (const line of text.split('\n').filter((l) => /^ExecStart=/.test(l))) {
        for (const match of line.matchAll(/\b((?:apps|packages|scripts)\/[\w./-]+\.ts)\b/g)) {
          if (match[1]) started.push(match[1]);
        }
      }
    }
    expect(started.length).toBeGreaterThanOrEqual(3);
    expect(started.filter((file) => !existsSync(path.join(repoRoot, file)))).toEqual([]);
  });
});
