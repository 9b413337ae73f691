import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as front from '../src/index';
import * as server from '../src/server';

describe("the package's front doors", () => {
  it('`@goated/api` holds the router and its types only; the server wiring is behind `./server`', () => {
    // Types leave no runtime trace: the one value a client can reach is the router itself.
    expect(Object.keys(front).sort()).toEqual(['appRouter']);
    expect(server).toHaveProperty('SyncService');
    expect(server).toHaveProperty('createContext');
    expect(server).not.toHaveProperty('appRouter');
  });

  it('the package exports `.` and `./server` (the test helpers live in @goated/testing)', () => {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg).toHaveProperty('exports', { '.': './src/index.ts', './server': './src/server.ts' });
  });
});
