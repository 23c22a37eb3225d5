import { createRequire } from 'node:module';
import { crc32c as portableCrc32c } from '@node-rs/crc32';

// The one CRC-32C of the broker: record batches (validation, building, the cleaner's rewrites, recovery scans)
// and the producer-state snapshot files all checksum through this module, so every path agrees by construction.

/** The addon built from native/crc32c.c by `npm install` (node-gyp). */
interface Crc32cAddon {
  crc32c(bytes: Uint8Array): number;
  crc32cAsync(bytes: Uint8Array, cb: (crc: number) => void): void;
  /** The slicing-by-8 table whatever the CPU has (absent from addons built before it was added). */
  crc32cTable?(bytes: Uint8Array): number;
  /** Whether the CPU's crc32 instructions are used (else a slicing-by-8 table). */
  readonly hardware: boolean;
}

/** Name of one CRC-32C implementation: native/crc32c.c's two paths, or @node-rs/crc32. */
export type Crc32cImplementationName = 'hardware' | 'table' | 'portable';

/** One implementation, for tests and benchmarks that compare them (`crc32c` returns the unsigned checksum). */
export interface Crc32cImplementation {
  readonly name: Crc32cImplementationName;
  crc32c(bytes: Uint8Array): number;
}

/** Below this size a checksum is computed on the calling thread: a threadpool round trip costs more. */
export const ASYNC_CRC_MIN_BYTES = 128 * 1024;

function loadAddon(): Crc32cAddon | null {
  try {
    const require = createRequire(import.meta.url);
    const addon = require('../../../native/build/Release/crc32c.node') as Crc32cAddon;
    return typeof addon.crc32c === 'function' && typeof addon.crc32cAsync === 'function' ? addon : null;
  } catch {
    return null;
  }
}

const addon = loadAddon();

function portable(bytes: Uint8Array): number {
  return portableCrc32c(bytes as Buffer) >>> 0;
}

/** Which implementation {@link crc32c} uses: 'hardware' / 'table' (native/crc32c.c) or 'portable' (@node-rs/crc32). */
export const CRC32C_IMPLEMENTATION: Crc32cImplementationName = addon === null ? 'portable' : addon.hardware ? 'hardware' : 'table';

/**
 * Every implementation this process can run, the one {@link crc32c} uses first: the addon's own choice, its table
 * path when the CPU has the instructions (and the addon exports it), then @node-rs/crc32.
 */
export const CRC32C_IMPLEMENTATIONS: readonly Crc32cImplementation[] = (() => {
  const list: Crc32cImplementation[] = [];
  if (addon !== null) {
    list.push({ name: CRC32C_IMPLEMENTATION, crc32c: (bytes) => addon.crc32c(bytes) });
    const table = addon.crc32cTable;
    if (addon.hardware && typeof table === 'function') list.push({ name: 'table', crc32c: (bytes) => table(bytes) });
  }
  list.push({ name: 'portable', crc32c: portable });
  return list;
})();

/**
 * CRC-32C (Castagnoli; Kafka's Crc32C, the checksum of v2 record batches and of producer-state snapshots) of
 * `bytes`, unsigned 32-bit, on the calling thread: the native addon (SSE4.2 crc32 instructions) when it was built,
 * else @node-rs/crc32. Which is faster depends on the CPU (the addon was 1.6x @node-rs/crc32 on an AMD EPYC host;
 * on an Intel Xeon with VPCLMULQDQ @node-rs/crc32 was 1.1-2x the addon on 1 MB, the addon faster on 1 KB:
 * `bench/records.bench.ts` prints both); the addon is kept first for {@link crc32cAsync}, which has no
 * @node-rs/crc32 equivalent.
 */
export function crc32c(bytes: Uint8Array): number {
  return addon !== null ? addon.crc32c(bytes) : portable(bytes);
}

/**
 * {@link crc32c} computed in the libuv threadpool when `bytes` is at least {@link ASYNC_CRC_MIN_BYTES} and the
 * addon is available (a 1 MB produce batch then takes no event-loop time), else on the calling thread. `bytes`
 * must not change until the promise settles.
 */
export function crc32cAsync(bytes: Uint8Array): Promise<number> {
  if (addon === null || bytes.length < ASYNC_CRC_MIN_BYTES) return Promise.resolve(crc32c(bytes));
  return new Promise((resolve) => addon.crc32cAsync(bytes, resolve));
}
