import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));
// Tests run against the TypeScript sources, no build needed (STYLE.md P13).
const alias = {
  '@cjp/contracts/permissions': src('./contracts/src/permissions.ts'),
  '@cjp/contracts': src('./contracts/src/index.ts'),
  '@cjp/edge': src('./edge/src/index.ts'),
  '@cjp/hub-server': src('./hub-server/src/index.ts'),
  // subpath first: the first alias matching a prefix wins
  '@cjp/simulators/plc': src('./simulators/src/plc/plc-simulator.ts'),
  '@cjp/simulators': src('./simulators/src/index.ts'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['*/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.services.test.ts', '**/*.browser.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['./test-support/global-setup.ts'],
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'services',
          include: ['*/test/**/*.services.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'browser',
          include: ['*/test/**/*.browser.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          globalSetup: ['./test-support/global-setup.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
