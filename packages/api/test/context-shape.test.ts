/**
 * A WebSocket keeps its context for the connection's life, thousands per instance (issue #22):
 * every context must share one hidden class and hold its fields in the object itself. Written
 * `{ ...deps, user, … }`, V8 gave nearly every context a hidden class of its own once the code
 * was optimized (~0.7 KB more each). Checked with V8's own predicates.
 */
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context';
import { createTestApi, type TestApi } from './fixtures';

/** V8's `%HaveSameMap` and `%HasFastProperties`, made callable at run time. */
function natives(): { sameShape(a: object, b: object): boolean; fast(o: object): boolean } {
  v8.setFlagsFromString('--allow-natives-syntax');
  const sameShape: unknown = new Function('a', 'b', 'return %HaveSameMap(a, b);');
  const fast: unknown = new Function('o', 'return %HasFastProperties(o);');
  v8.setFlagsFromString('--no-allow-natives-syntax');
  if (typeof sameShape !== 'function' || typeof fast !== 'function') throw new Error('no natives');
  return {
    sameShape: (a, b) => sameShape(a, b) === true,
    fast: (o) => fast(o) === true,
  };
}

describe('the request context', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi('pglite');
  }, 180_000);
  afterAll(async () => {
    await api?.close();
  });

  it('shares one hidden class across contexts, also once its factory is optimized', () => {
    const { sameShape, fast } = natives();
    const deps = { ...api.deps, sync: undefined, log: undefined };
    // Enough calls for V8 to optimize createContext (where the spread went wrong).
    const contexts = Array.from({ length: 5000 }, (_, i) =>
      createContext(deps, { requestId: `r${i}`, ip: '127.0.0.1', user: null }),
    );
    const first = contexts[0];
    if (!first) throw new Error('no context');
    const differing = contexts.filter((ctx) => !sameShape(first, ctx)).length;
    expect(differing).toBe(0);
    expect(fast(first)).toBe(true);
    // Every dependency is there, the absent optional ones as undefined.
    expect(first.db).toBe(api.deps.db);
    expect(first.bus).toBe(api.deps.bus);
    expect(first.sync).toBeUndefined();
    expect(first.requestId).toBe('r0');
  });
});
