import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests spawn the CLI (tsx start-up) and load onnxruntime; 2-core CI machines are slow.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
