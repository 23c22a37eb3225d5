/** Length of one sample of the windowed stats (Kafka's metrics.sample.window.ms default, 30 s). */
const SAMPLE_WINDOW_MS = 30_000;
/** Samples kept (Kafka's metrics.num.samples default, 2). */
const SAMPLES = 2;

/** Avg, max and rate over the last SAMPLES windows (Kafka's SampledStat: Avg, Max, Rate). */
class WindowedStat {
  #samples: { startMs: number; count: number; sum: number; max: number }[] = [];

  record(value: number, nowMs: number): void {
    let s = this.#samples.at(-1);
    if (s === undefined || nowMs - s.startMs >= SAMPLE_WINDOW_MS) {
      s = { startMs: nowMs, count: 0, sum: 0, max: -Infinity };
      this.#samples.push(s);
      if (this.#samples.length > SAMPLES) this.#samples.shift();
    }
    s.count++;
    s.sum += value;
    s.max = Math.max(s.max, value);
  }

  #live(nowMs: number): { startMs: number; count: number; sum: number; max: number }[] {
    return this.#samples.filter((s) => nowMs - s.startMs < SAMPLE_WINDOW_MS * SAMPLES);
  }

  /** NaN without samples, as Kafka's Avg. */
  avg(nowMs: number): number {
    const live = this.#live(nowMs);
    const count = live.reduce((n, s) => n + s.count, 0);
    return count === 0 ? NaN : live.reduce((n, s) => n + s.sum, 0) / count;
  }

  max(nowMs: number): number {
    const live = this.#live(nowMs);
    return live.length === 0 ? NaN : Math.max(...live.map((s) => s.max));
  }

  /** Sum of the values per second over the window. */
  rate(nowMs: number): number {
    const live = this.#live(nowMs);
    if (live.length === 0) return 0;
    const elapsedMs = Math.max(nowMs - live[0]!.startMs, SAMPLE_WINDOW_MS * (SAMPLES - 1) + 1);
    return (live.reduce((n, s) => n + s.sum, 0) * 1000) / elapsedMs;
  }
}

/** The values of {@link KafkaRaftMetrics.snapshot}, by Kafka's metric names (group `raft-metrics`). */
export type RaftMetricValues = Record<
  | 'current-leader'
  | 'current-vote'
  | 'current-epoch'
  | 'high-watermark'
  | 'log-end-offset'
  | 'log-end-epoch'
  | 'number-of-voters'
  | 'number-of-observers'
  | 'uncommitted-voter-change'
  | 'commit-latency-avg'
  | 'commit-latency-max'
  | 'election-latency-avg'
  | 'election-latency-max'
  | 'fetch-records-rate'
  | 'append-records-rate'
  | 'poll-idle-ratio-avg',
  number
> & { 'current-state': string };

/**
 * The raft metrics of Kafka's `KafkaRaftMetrics` as plain values (the broker registers them in prom-client):
 * state, leader, vote, epoch, high watermark, log end, voters, observers, a voter change in progress; commit latency (ms from append to commit, per record),
 * election latency (ms from the start of an election to a known leader), fetched and appended records per
 * second, and the share of time the driver spent waiting (poll-idle-ratio-avg). Times are the caller's ms.
 */
export class KafkaRaftMetrics {
  currentState = 'unattached';
  currentLeader = -1;
  currentVote = -1;
  currentEpoch = 0;
  highWatermark = -1;
  logEndOffset = 0;
  logEndEpoch = 0;
  numberOfVoters = 0;
  numberOfObservers = 0;
  /** 1 while the leader works on an AddRaftVoter/RemoveRaftVoter (KIP-853), else 0. */
  uncommittedVoterChange = 0;
  #electionStartMs: number | null = null;
  readonly #commitLatency = new WindowedStat();
  readonly #electionLatency = new WindowedStat();
  readonly #fetchRecords = new WindowedStat();
  readonly #appendRecords = new WindowedStat();
  readonly #pollIdle = new WindowedStat();

  updateElectionStartMs(nowMs: number): void {
    this.#electionStartMs ??= nowMs;
  }

  /** A leader became known: records the election's latency if one was running. */
  maybeUpdateElectionLatency(nowMs: number): void {
    if (this.#electionStartMs === null) return;
    this.#electionLatency.record(nowMs - this.#electionStartMs, nowMs);
    this.#electionStartMs = null;
  }

  updateCommitLatency(latencyMsPerRecord: number, nowMs: number): void {
    this.#commitLatency.record(latencyMsPerRecord, nowMs);
  }

  updateFetchedRecords(count: number, nowMs: number): void {
    this.#fetchRecords.record(count, nowMs);
  }

  updateAppendRecords(count: number, nowMs: number): void {
    this.#appendRecords.record(count, nowMs);
  }

  /** One driver cycle: `idleMs` waiting out of `totalMs`. */
  updatePollIdle(idleMs: number, totalMs: number, nowMs: number): void {
    if (totalMs > 0) this.#pollIdle.record(idleMs / totalMs, nowMs);
  }

  snapshot(nowMs: number): RaftMetricValues {
    return {
      'current-state': this.currentState,
      'current-leader': this.currentLeader,
      'current-vote': this.currentVote,
      'current-epoch': this.currentEpoch,
      'high-watermark': this.highWatermark,
      'log-end-offset': this.logEndOffset,
      'log-end-epoch': this.logEndEpoch,
      'number-of-voters': this.numberOfVoters,
      'number-of-observers': this.numberOfObservers,
      'uncommitted-voter-change': this.uncommittedVoterChange,
      'commit-latency-avg': this.#commitLatency.avg(nowMs),
      'commit-latency-max': this.#commitLatency.max(nowMs),
      'election-latency-avg': this.#electionLatency.avg(nowMs),
      'election-latency-max': this.#electionLatency.max(nowMs),
      'fetch-records-rate': this.#fetchRecords.rate(nowMs),
      'append-records-rate': this.#appendRecords.rate(nowMs),
      'poll-idle-ratio-avg': this.#pollIdle.avg(nowMs),
    };
  }
}
