// What every bench section gets: options from the command line, a scratch directory, progress output, and the
// figures earlier sections measured that later ones build on (e.g. latency runs at 50 % of measured produce).
import type { LoopWindow } from './bench-broker.ts';
import type { TcpLimit } from './tcp-limit.ts';

export interface BenchOptions {
  /** Timed runs per figure (the table quotes medians). */
  runs: number;
  /** MiB per 1 KiB-record produce run. */
  produceMiB: number;
  /** Records per 100-byte-record produce run. */
  smallRecords: number;
  /** MiB in the consume topic. */
  consumeMiB: number;
  /** GiB of log for the start-up figures (1 by default, 10 with --big). */
  startupGiB: number;
  /** Seconds measured per latency run (after a warm-up of a fifth of it, at least 1 s). */
  latencySec: number;
  /** Load of the latency runs in MB/s (--load-mbps); by default half the produce figure of the run. */
  latencyLoadMBps?: number;
  /** Partition counts for the memory figures. */
  partitionCounts: number[];
  /** Timed metadata commits (CreateTopics) per quorum size in the cluster section. */
  clusterCommits: number;
  /** Topics in the metadata log of the metadata start-up figures (100,000; 10,000 with --quick). */
  metadataTopics: number;
  /** kill -9s of a partition leader in the replication section's failover figure (10; 3 with --quick). */
  replicationKills: number;
  /** Sections to run (all by default). */
  sections: Set<string>;
}

export interface Measured {
  tcp?: TcpLimit;
  /** Median produce MB/s, acks=1, 1 KiB, no compression (latency runs at half of it). */
  produceAcks1MBps?: number;
  /** Median consume MB/s with sendfile (peers compare to it). */
  consumeSendfileMBps?: number;
  /** Broker event-loop windows: idle, and one per produce (1 KiB acks=1) and consume (sendfile) run. */
  eventLoop: { idle?: LoopWindow; produce?: LoopWindow[]; consume?: LoopWindow[] };
}

export interface BenchContext {
  readonly options: BenchOptions;
  /** Scratch directory (same filesystem as the broker's log dirs); removed at the end. */
  readonly scratch: string;
  readonly repo: string;
  readonly measured: Measured;
  /** Progress line on stderr (the table goes to stdout). */
  progress(section: string, message: string): void;
}
