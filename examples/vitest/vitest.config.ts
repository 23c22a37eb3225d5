import { defineConfig } from 'vitest/config';

// The broker runs in the test worker's process (KafkaBroker's default 'in-process' mode); Vitest's forks pool
// gives each test file a child process of its own. A broker's start is fast, but kafkajs' group join takes
// a few seconds: the timeouts leave room for a loaded CI machine.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ['**/*.test.ts'],
  },
});
