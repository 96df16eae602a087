import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // 2-core CI machines: keep parallelism modest so loopback servers are not starved.
    maxWorkers: 2,
    // The suite must not depend on the day it runs: the catalog-age warning is tested on its own
    // (tests/cli/catalog-age.test.ts turns it back on); everywhere else it would add a stderr line.
    env: { EXAUDIT_CATALOG_WARNING: 'off' },
  },
});
