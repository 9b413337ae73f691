import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'apps/*/test/**/*.test.tsx'],
    // Each file gets its own databases; two workers match the machine's two cores.
    pool: 'forks',
    maxWorkers: 2,
    // Budgets, not bounds: a test asserts the product's own bounds explicitly. The CI machine is a
    // shared VM whose host can take a third of its CPU (steal), under which a test that spawns a
    // few child processes took over 30 s; a hung test still fails, a minute later.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
