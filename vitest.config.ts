import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` runs pure tests in parallel; `integration` (files under test/ and
 * `*.int.test.ts`) runs afterwards, one file at a time in a single fork, so tests that start
 * servers or generate load measure the code and not the contention of a two-core machine.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{contracts,cli,runner,engine,target,exporter,dashboards,report,load-tests,deploy,profile,demo}/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          testTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts', '**/*.int.test.ts'],
          exclude: ['node_modules/**'],
          // one fork, one file at a time, after the unit tests
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
