import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // Native TensorFlow and Jupyter kernels are heavy: run files in forked processes,
    // at most two at a time (the project machines have two cores).
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    env: { TF_CPP_MIN_LOG_LEVEL: '2', GANBOOK_SMOKE: '1' },
  },
});
