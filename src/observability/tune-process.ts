import module from 'node:module';
import v8 from 'node:v8';

/** What {@link tuneProcess} applied. */
export interface ProcessTuning {
  /** Directory of Node's module compile cache, or null when it is off or unavailable. */
  readonly compileCacheDir: string | null;
  /** Whether V8 counts external (Buffer) memory toward its global heap limit. */
  readonly externalMemoryInGlobalLimit: boolean;
  /** libuv's threadpool size in effect (UV_THREADPOOL_SIZE). */
  readonly threadpoolSize: number;
}

/**
 * libuv threadpool size of a broker process unless UV_THREADPOOL_SIZE says otherwise. Every file operation of
 * the logs runs there (appends, fdatasyncs, index flushes, fetch reads on the fallback path, checkpoints), next to
 * zlib and the native CRC/sendfile jobs. With libuv's 4 threads one long fdatasync (the background flush of a rolled
 * 1 GiB segment takes 0.4-2 s) plus a few index flushes leave appends and fetch reads queued behind them: a latency
 * tail of ~100 ms in the benchmark. 8 is Kafka's num.io.threads default; the threads mostly wait on the disk, so
 * more of them than cores is cheap.
 */
export const DEFAULT_THREADPOOL_SIZE = 8;

/**
 * Node flags every broker launch passes (the `kafka-broker` shebang, `npm start`, the Docker image, the test and
 * benchmark launchers; a unit test keeps those copies equal to this list). They must be on the command line: V8
 * sizes its heap spaces when the process starts, before any code can set flags.
 *
 * - `--max-semi-space-size=16` (MB): caps V8's young generation. On a machine with several GB of memory, V8 13
 *   lets each semi-space grow to 32-64 MB under allocation bursts (creating thousands of partitions, a produce
 *   burst) and keeps it: ~120 MB of RSS that stays after the burst (measured: RSS per idle partition 29 KiB with the
 *   default, 14 KiB with 16 MB, same JS heap). 16 MB is the size Node used before V8 made it grow with memory; the
 *   broker's allocations per request are small and short-lived (record bytes live in Buffers outside the heap),
 *   so scavenges stay cheap.
 */
export const BROKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];

/** The V8 major version that first has every flag set here (Node 24 ships V8 13.6). */
const MIN_V8_MAJOR = 13;

/**
 * Process-wide runtime settings of a broker process, applied once by `bin/kafka-broker.js` before it loads the
 * broker's modules (not by library users of BrokerServer, whose process is theirs):
 *
 * - libuv's threadpool size ({@link DEFAULT_THREADPOOL_SIZE} threads unless UV_THREADPOOL_SIZE is set).
 * - Node's module compile cache (`module.enableCompileCache()`, Node >= 22.1; the `NODE_COMPILE_CACHE`
 *   environment variable picks the directory, `NODE_DISABLE_COMPILE_CACHE=1` turns it off). The broker is ~2 MB
 *   of TypeScript that Node strips of types and compiles at every start; the cache keeps the result on disk
 *   (checked against the source's hash, so an edited file is recompiled), which takes most of the module
 *   loading out of a restart (measured: importing the broker 1.0 s -> 0.3 s).
 * - V8's `--external-memory-accounted-in-global-limit` (V8 >= 13). Every produce request is read into a Buffer of
 *   its own (about 1 MB with librdkafka's batching), memory outside the JS heap. By default V8 starts a full
 *   mark-compact each time a few tens of MB of such external memory were allocated since the last one, however
 *   small the JS heap: at 150-250 MB/s of produce that is 5-9 major GCs per second on a ~20 MB heap (20-30 % of
 *   the event loop in GC in the benchmark's CPU profile). With the flag, external memory counts toward V8's global
 *   allocation limit, which V8 sizes from the live heap and its GC speed: about 5x fewer major GCs under the same
 *   load, the same frames freed. Set through `v8.setFlagsFromString` before the heap grows; V8 reads this flag
 *   whenever it checks its limits.
 *
 * Idempotent. Never throws: a setting the runtime does not support is skipped.
 */
export function tuneProcess(): ProcessTuning {
  return (applied ??= applyTuning());
}

let applied: ProcessTuning | undefined;

function applyTuning(): ProcessTuning {
  // Read by libuv when the threadpool starts, at the first asynchronous fs call: nothing has made one yet.
  if (process.env.UV_THREADPOOL_SIZE === undefined || process.env.UV_THREADPOOL_SIZE === '') process.env.UV_THREADPOOL_SIZE = String(DEFAULT_THREADPOOL_SIZE);
  const threadpoolSize = Number(process.env.UV_THREADPOOL_SIZE);
  let compileCacheDir: string | null = null;
  try {
    if (typeof module.enableCompileCache === 'function') {
      const result = module.enableCompileCache();
      compileCacheDir = result.directory ?? null;
    }
  } catch {
    compileCacheDir = null;
  }
  let externalMemoryInGlobalLimit = false;
  const v8Major = Number(process.versions.v8.split('.')[0]);
  if (v8Major >= MIN_V8_MAJOR) {
    try {
      v8.setFlagsFromString('--external-memory-accounted-in-global-limit');
      externalMemoryInGlobalLimit = true;
    } catch {
      externalMemoryInGlobalLimit = false;
    }
  }
  return { compileCacheDir, externalMemoryInGlobalLimit, threadpoolSize };
}
