import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = fileURLToPath(new URL('./src/', import.meta.url));

export default defineConfig({
  // examples/ import the package by name, as a user would; in-process tests load it from src/.
  resolve: {
    alias: [
      { find: /^whatsapp-call-permissions$/, replacement: `${src}index.ts` },
      { find: /^whatsapp-call-permissions\/(.+)$/, replacement: `${src}$1/index.ts` },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
