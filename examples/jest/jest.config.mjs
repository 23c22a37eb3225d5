// Jest 30 with the embedded broker. Jest resolves and loads modules itself (not through Node's loader), so:
// - `kafka-broker` is mapped to the package's entry (an installed package resolves through its "exports");
// - .ts files (the broker and these tests) go through ./strip-types-transform.mjs and run as ES modules, which
//   Jest supports with `node --experimental-vm-modules`.
import { fileURLToPath } from 'node:url';

export default {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '\\.ts$': fileURLToPath(new URL('./strip-types-transform.mjs', import.meta.url)) },
  moduleNameMapper: { '^kafka-broker$': fileURLToPath(new URL('../../src/embedded/kafka-broker.ts', import.meta.url)) },
  testTimeout: 60_000,
};
