import { defineConfig } from 'tsdown';

/**
 * ESM + bundled declarations. The declarations are emitted by the workspace's TypeScript (tsgo)
 * from the api sources (paths in ../tsconfig.client-build.json) and bundled into one file that
 * imports only @trpc/client and @trpc/server: src/router.ts writes the router's types out
 * structurally, and no module's side effects (e.g. a library's module augmentation) come along.
 */
export default defineConfig({
  entry: ['src/index.ts', 'src/reconnect.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  fixedExtension: false,
  tsconfig: '../tsconfig.client-build.json',
  treeshake: { moduleSideEffects: false },
  dts: { tsgo: { path: '../../node_modules/typescript/bin/tsc' } },
  inputOptions: { checks: { eval: false, pluginTimings: false } },
});
