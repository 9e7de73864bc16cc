/**
 * One vitest run, three projects:
 * - unit: beside the code (`*.test.ts` under sandbox-server/src, site/src, scripts); no network.
 * - integration: real Redis + real Socket.IO instances on ephemeral ports (sandbox-server/test).
 * - browser: headless Debian Chromium on the built site with a running cluster (tests/browser).
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'sandbox-server/src/**/*.test.ts',
            'site/src/**/*.test.ts',
            'scripts/**/*.test.ts',
            'tests/lessons/**/*.test.ts',
            'tests/contract/fake.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'sandbox-server/test/**/*.test.ts',
            'tests/launcher/**/*.test.ts',
            'tests/contract/real.test.ts',
            'tests/deploy/**/*.test.ts',
          ],
          testTimeout: 20_000,
          hookTimeout: 30_000,
          // Instances and Redis servers are real processes/sockets: keep files sequential on 2 cores.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
