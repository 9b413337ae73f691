/**
 * Writes docs/API.md from the router, or with --check fails when it is stale.
 *
 *   pnpm docs:api            # regenerate after changing a procedure
 *   pnpm docs:api --check    # exit 1 when docs/API.md differs from the router
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateApiDocs } from './api-docs/generate';

const target = fileURLToPath(new URL('../docs/API.md', import.meta.url));
const docs = await generateApiDocs();
if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== docs) {
    console.error('docs/API.md is stale: run `pnpm docs:api` and commit it.');
    process.exitCode = 1;
  } else {
    console.log('docs/API.md is up to date.');
  }
} else {
  await writeFile(target, docs);
  console.log(`wrote docs/API.md`);
}
