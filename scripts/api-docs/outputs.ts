/**
 * Each procedure's output type as text, written out by the TypeScript compiler itself: a
 * throwaway module declares one constant per procedure, typed from the client's `RouterOutputs`
 * (which expands every named server type), and the compiler's declaration output is read back.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

const identifier = (procedurePath: string) => procedurePath.replaceAll('.', '__');

async function findFile(dir: string, name: string): Promise<string | null> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === name) return path.join(entry.parentPath, entry.name);
  }
  return null;
}

/** The output type text of every procedure path given. */
export async function outputTypes(paths: string[]): Promise<Map<string, string>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'api-docs-'));
  try {
    const access = (p: string) =>
      p
        .split('.')
        .map((part) => `[${JSON.stringify(part)}]`)
        .join('');
    const source = [
      `import type { RouterOutputs } from ${JSON.stringify(path.join(root, 'packages/client/src/router.ts'))};`,
      'declare const outputs: RouterOutputs;',
      ...paths.map((p) => `export const ${identifier(p)} = outputs${access(p)};`),
    ].join('\n');
    await writeFile(path.join(dir, 'procedure-outputs.ts'), `${source}\n`);
    const packages = path.join(root, 'packages');
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: path.join(root, 'tsconfig.json'),
        compilerOptions: {
          noEmit: false,
          declaration: true,
          emitDeclarationOnly: true,
          noCheck: true,
          outDir: path.join(dir, 'out'),
          rootDir: '/',
          types: [],
          // As in the client's build: named server types resolve to the sources.
          paths: {
            '@goated/api': [path.join(packages, 'api/src/index.ts')],
            '@goated/api/*': [path.join(packages, 'api/src/*.ts')],
            '@goated/db': [path.join(packages, 'db/src/index.ts')],
            '@goated/db/*': [path.join(packages, 'db/src/*.ts')],
            '@goated/validators': [path.join(packages, 'validators/src/index.ts')],
          },
        },
        include: ['procedure-outputs.ts'],
      }),
    );
    const tsc = path.join(
      path.dirname(createRequire(path.join(root, 'package.json')).resolve('typescript/package.json')),
      'bin/tsc',
    );
    await run(process.execPath, [tsc, '-p', dir], { cwd: dir, maxBuffer: 16 * 1024 * 1024 }).catch((err: unknown) => {
      throw new Error(`tsc could not write the output types: ${err instanceof Error ? err.message : String(err)}`);
    });
    const emitted = await findFile(path.join(dir, 'out'), 'procedure-outputs.d.ts');
    if (!emitted) throw new Error('tsc wrote no procedure-outputs.d.ts');
    const text = await readFile(emitted, 'utf8');
    const types = new Map<string, string>();
    for (const block of text.split(/^export declare const /m).slice(1)) {
      const colon = block.indexOf(': ');
      const name = block.slice(0, colon);
      const type = block
        .slice(colon + 2)
        .trimEnd()
        .replace(/;$/, '')
        // A literal type kept by name (`import("@goated/api/…").ApiKeyStatus`): its name is enough here.
        .replace(/import\("[^"]+"\)\./g, '')
        .replace(/^((?: {4})+)/gm, (indent) => ' '.repeat(indent.length / 2));
      types.set(name, type);
    }
    return new Map(paths.map((p) => [p, types.get(identifier(p)) ?? 'unknown']));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
