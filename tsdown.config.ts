import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
  },
  format: 'esm',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: true,
  deps: { neverBundle: [/^xstate/, /^node:/, 'pg', '@electric-sql/pglite'] },
});
