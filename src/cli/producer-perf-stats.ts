/** Most latencies kept for the percentiles: one record in numRecords / min(numRecords, 500000) is sampled. */
const MAX_SAMPLES = 500_000;
const MIB = 1024 * 1024;

/**
 * The statistics of `producer-perf-test`, printed as Kafka's ProducerPerformance.Stats prints them: every
 * reporting interval (ms) a window line "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max
 * latency." and at the end the total with the 50th, 95th, 99th and 99.9th percentile latencies (ms) of a sample of
 * at most 500,000 records. Latency is from a record's send to its batch's answer, in ms.
 */
export class ProducerPerfStats {
  readonly #out: (line: string) => void;
  readonly #start: number;
  readonly #latencies: Int32Array;
  readonly #sampling: number;
  readonly #reportingIntervalMs: number;
  readonly #steadyState: boolean;
  #iteration = 0;
  #index = 0;
  #count = 0;
  #bytes = 0;
  #maxLatency = 0;
  #totalLatency = 0;
  #windowStart: number;
  #windowCount = 0;
  #windowMaxLatency = 0;
  #windowTotalLatency = 0;
  #windowBytes = 0;
  #suppressed = false;

  /** @param steadyState whether these are the steady-state figures after --warmup-records. */
  constructor(numRecords: number, reportingIntervalMs: number, steadyState: boolean, out: (line: string) => void, nowMs = Date.now()) {
    this.#out = out;
    this.#start = nowMs;
    this.#windowStart = nowMs;
    this.#sampling = Math.floor(numRecords / Math.min(numRecords, MAX_SAMPLES));
    this.#latencies = new Int32Array(Math.floor(numRecords / this.#sampling) + 1);
    this.#reportingIntervalMs = reportingIntervalMs;
    this.#steadyState = steadyState;
  }

  /** Stops the window lines (the whole-run figures once the steady state has its own). */
  suppressPrinting(): void {
    this.#suppressed = true;
  }

  /** Counts one acknowledged record of `bytes` bytes answered at `nowMs` after `latencyMs`. */
  record(latencyMs: number, bytes: number, nowMs: number): void {
    this.#count++;
    this.#bytes += bytes;
    this.#totalLatency += latencyMs;
    if (latencyMs > this.#maxLatency) this.#maxLatency = latencyMs;
    this.#windowCount++;
    this.#windowBytes += bytes;
    this.#windowTotalLatency += latencyMs;
    if (latencyMs > this.#windowMaxLatency) this.#windowMaxLatency = latencyMs;
    if (this.#iteration % this.#sampling === 0 && this.#index < this.#latencies.length) this.#latencies[this.#index++] = latencyMs;
    if (nowMs - this.#windowStart >= this.#reportingIntervalMs) {
      if (this.#steadyState && this.#count === this.#windowCount) this.#out('In steady state.\n');
      if (!this.#suppressed) this.#printWindow(nowMs);
      this.#windowStart = nowMs;
      this.#windowCount = 0;
      this.#windowMaxLatency = 0;
      this.#windowTotalLatency = 0;
      this.#windowBytes = 0;
    }
    this.#iteration++;
  }

  #printWindow(nowMs: number): void {
    const elapsed = nowMs - this.#windowStart;
    const recsPerSec = (1000 * this.#windowCount) / elapsed;
    const mbPerSec = (1000 * this.#windowBytes) / elapsed / MIB;
    this.#out(`${this.#windowCount} records sent, ${recsPerSec.toFixed(1)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${(this.#windowTotalLatency / this.#windowCount).toFixed(1)} ms avg latency, ${this.#windowMaxLatency.toFixed(1)} ms max latency.\n`);
  }

  /** Prints the summary line of the whole run (Java's %f: six decimals of records/sec). */
  printTotal(nowMs = Date.now()): void {
    const elapsed = nowMs - this.#start;
    const recsPerSec = (1000 * this.#count) / elapsed;
    const mbPerSec = (1000 * this.#bytes) / elapsed / MIB;
    const sample = this.#latencies.subarray(0, this.#index).sort();
    const at = (q: number): number => sample[Math.floor(q * sample.length)] ?? 0;
    const steady = this.#steadyState ? ' steady state' : '';
    this.#out(`${this.#count}${steady} records sent, ${recsPerSec.toFixed(6)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${(this.#totalLatency / this.#count).toFixed(2)} ms avg latency, ${this.#maxLatency.toFixed(2)} ms max latency, ${at(0.5)} ms 50th, ${at(0.95)} ms 95th, ${at(0.99)} ms 99th, ${at(0.999)} ms 99.9th.\n`);
  }
}
