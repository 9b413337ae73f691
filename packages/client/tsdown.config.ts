import { defineConfig, type UserConfig } from 'tsdown';

const common: UserConfig = {
  format: 'esm',
  platform: 'node',
  target: 'node20',
  fixedExtension: false,
  tsconfig: '../tsconfig.client-build.json',
  treeshake: { moduleSideEffects: false },
  inputOptions: { checks: { eval: false, pluginTimings: false } },
};

export default defineConfig([
  /**
   * The library: ESM + bundled declarations. The declarations are emitted by the workspace's
   * TypeScript (tsgo) from the api sources (paths in ../tsconfig.client-build.json) and bundled
   * into one file that imports only @trpc/client and @trpc/server: src/router.ts writes the
   * router's types out structurally, and no module's side effects (e.g. a library's module
   * augmentation) come along.
   */
  {
    ...common,
    entry: { index: 'src/index.ts', reconnect: 'src/reconnect.ts' },
    dts: { tsgo: { path: '../../node_modules/typescript/bin/tsc' } },
  },
  /** The `goated` command, with its argument parser (commander) bundled in: no extra dependency. */
  { ...common, entry: { cli: 'src/cli/main.ts' }, dts: false, clean: false },
]);
