import { createRequire } from 'node:module';
import { crc32c as portableCrc32c } from '@node-rs/crc32';

/** The addon built from native/crc32c.c by `npm install` (node-gyp). */
interface Crc32cAddon {
  crc32c(bytes: Uint8Array): number;
  crc32cAsync(bytes: Uint8Array, cb: (crc: number) => void): void;
  /** Whether the CPU's crc32 instructions are used (else a slicing-by-8 table). */
  readonly hardware: boolean;
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

/** Which implementation {@link crc32c} uses: 'hardware' / 'table' (native/crc32c.c) or 'portable' (@node-rs/crc32). */
export const CRC32C_IMPLEMENTATION: 'hardware' | 'table' | 'portable' = addon === null ? 'portable' : addon.hardware ? 'hardware' : 'table';

/**
 * CRC-32C (Castagnoli; Kafka's Crc32C, the checksum of v2 record batches) of `bytes`, unsigned 32-bit, on the
 * calling thread: the native addon (SSE4.2 crc32 instructions, about 1.6x @node-rs/crc32 on the project machine)
 * when it was built, else @node-rs/crc32.
 */
export function crc32c(bytes: Uint8Array): number {
  return addon !== null ? addon.crc32c(bytes) : portableCrc32c(bytes as Buffer) >>> 0;
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
