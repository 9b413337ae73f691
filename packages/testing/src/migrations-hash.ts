import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { migrationsFolder } from '@goated/db';

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const entry = path.join(dir, name);
      return statSync(entry).isDirectory() ? filesUnder(entry) : [entry];
    });
}

let hashed: string | undefined;

/** A short hash of the committed migrations (their files and journal): what a template is keyed by. */
export function migrationsHash(): string {
  if (hashed) return hashed;
  const hash = createHash('sha256');
  for (const file of filesUnder(migrationsFolder)) {
    hash.update(path.relative(migrationsFolder, file));
    hash.update(readFileSync(file));
  }
  hashed = hash.digest('hex').slice(0, 16);
  return hashed;
}
