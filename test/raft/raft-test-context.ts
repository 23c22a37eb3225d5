import pino from 'pino';
import { SeededRandom } from '../../src/common/random.ts';
import { MockTime } from '../../src/common/time.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import type { Batch } from '../../src/raft/batch.ts';
import { ElectionState } from '../../src/raft/election-state.ts';
import { KafkaRaftClient } from '../../src/raft/kafka-raft-client.ts';
import type { LeaderAndEpoch } from '../../src/raft/leader-and-epoch.ts';
import type { NetworkChannel, RaftRequestOutbound, RaftResponseData } from '../../src/raft/network-channel.ts';
import { DEFAULT_QUORUM_CONFIG, type QuorumConfig } from '../../src/raft/quorum-config.ts';
import type { RaftClientListener } from '../../src/raft/raft-client-listener.ts';
import { replicaKey } from '../../src/raft/replica-key.ts';
import type { SnapshotReader } from '../../src/raft/snapshot-reader.ts';
import { VoterSet } from '../../src/raft/voter-set.ts';
import { writeBootstrapCheckpoint } from '../../src/raft/bootstrap-checkpoint.ts';
import { buildRecordBatchSync } from '../../src/protocol/records/record-batch-builder.ts';
import { MemoryQuorumStateStore } from './memory-quorum-state-store.ts';
import { MockLog } from './mock-log.ts';

/** A request the client sent, with the means to answer it. */
export interface SentRequest {
  readonly request: RaftRequestOutbound;
  respond(data: RaftResponseData): void;
  fail(errorCode: number): void;
}

/** A listener that records what it is handed. */
export class RecordingListener implements RaftClientListener {
  readonly commits: Batch[] = [];
  readonly snapshots: SnapshotReader[] = [];
  readonly leaders: LeaderAndEpoch[] = [];

  handleCommit(batch: Batch): void {
    this.commits.push(batch);
  }

  handleLoadSnapshot(reader: SnapshotReader): void {
    this.snapshots.push(reader);
  }

  handleLeaderChange(leader: LeaderAndEpoch): void {
    this.leaders.push(leader);
  }

  /** The data record values handed over, as strings. */
  values(): string[] {
    return this.commits.flatMap((b) => b.records.map((r) => r.toString()));
  }
}

/** What {@link RaftTestContext.create} builds. */
export interface RaftTestContextOptions {
  readonly localId?: number;
  readonly voters?: readonly number[];
  readonly config?: Partial<QuorumConfig>;
  /** The stored election state to start from. */
  readonly election?: ElectionState;
  /** Batches to put in the log first: [epoch, records...] each. */
  readonly batches?: readonly (readonly [number, ...string[]])[];
  readonly clusterId?: string;
  /**
   * A dynamic quorum (KIP-853): `voters` get these directory ids (by position) and go into a bootstrap checkpoint
   * (kraft.version 1) written before the client starts; no static voters; bootstrap servers are the voters.
   * The local node gets `localDirectoryId` (default: its voter's).
   */
  readonly directoryIds?: readonly string[];
  readonly localDirectoryId?: string;
  /** canBecomeVoter of the client (dynamic quorum). */
  readonly canBecomeVoter?: boolean;
}

/** A directory id (base64url Uuid) for tests: `n` in its last byte. */
export function testDirectoryId(n: number): string {
  const b = Buffer.alloc(16);
  b[0] = 0x10;
  b[15] = n;
  return b.toString('base64url');
}

/**
 * One KafkaRaftClient with a MockLog, an in-memory store, a MockTime and a channel that records the requests it
 * sends (after Kafka's RaftClientTestContext): tests play the other replicas by answering them and by sending
 * requests with {@link request}.
 */
export class RaftTestContext {
  readonly time = new MockTime();
  readonly log: MockLog;
  readonly store: MemoryQuorumStateStore;
  readonly client: KafkaRaftClient;
  readonly listener = new RecordingListener();
  readonly sent: SentRequest[] = [];
  readonly localId: number;
  readonly clusterId: string;

  readonly options: RaftTestContextOptions;

  private constructor(options: RaftTestContextOptions) {
    this.options = options;
    this.localId = options.localId ?? 1;
    this.clusterId = options.clusterId ?? 'test-cluster';
    this.log = new MockLog({ nowMs: () => this.time.milliseconds() });
    let offset = 0n;
    for (const [epoch, ...values] of options.batches ?? []) {
      const data = buildRecordBatchSync({ baseOffset: offset, partitionLeaderEpoch: epoch, defaultTimestamp: this.time.milliseconds(), records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });
      void this.log.appendAsFollower(data, epoch);
      offset += BigInt(values.length);
    }
    this.store = new MemoryQuorumStateStore({ durable: options.election ?? null });
    const voters = options.voters ?? [this.localId];
    const dirs = options.directoryIds;
    const localDirectoryId = options.localDirectoryId ?? (dirs === undefined ? null : (dirs[voters.indexOf(this.localId)] ?? null));
    const channel: NetworkChannel = {
      listenerName: 'CONTROLLER',
      send: (request) =>
        new Promise((resolve, reject) => {
          this.sent.push({ request, respond: resolve, fail: (errorCode) => reject(Object.assign(new Error('failed'), { errorCode })) });
        }),
    };
    this.client = new KafkaRaftClient({
      nodeId: this.localId,
      nodeDirectoryId: localDirectoryId,
      clusterId: this.clusterId,
      voters: dirs === undefined ? VoterSet.fromStaticVoters('CONTROLLER', voters.map((id) => ({ id, host: `host${id}`, port: 9093 }))) : VoterSet.empty(),
      ...(dirs === undefined ? {} : { bootstrapServers: voters.map((id) => ({ host: `host${id}`, port: 9093 })), canBecomeVoter: options.canBecomeVoter ?? true }),
      localListeners: new Map([['CONTROLLER', { host: `host${this.localId}`, port: 9093 }]]),
      config: { ...DEFAULT_QUORUM_CONFIG, ...options.config },
      log: this.log,
      store: this.store,
      channel,
      time: this.time,
      random: new SeededRandom(7),
      logger: pino({ level: 'silent' }),
    });
  }

  /** Builds, initializes and registers the listener (not yet polled). */
  static async create(options: RaftTestContextOptions = {}): Promise<RaftTestContext> {
    const c = new RaftTestContext(options);
    const dirs = options.directoryIds;
    if (dirs !== undefined && options.batches === undefined) {
      const voters = options.voters ?? [c.localId];
      await writeBootstrapCheckpoint(c.log, RaftTestContext.dynamicVoters(voters, dirs), 1, c.time.milliseconds());
    }
    await c.client.initialize();
    c.client.register(c.listener);
    return c;
  }

  async poll(times = 1): Promise<void> {
    for (let i = 0; i < times; i++) await this.client.poll();
  }

  /** Advances the clock by `ms` and polls. */
  async advance(ms: number): Promise<void> {
    this.time.sleep(ms);
    await this.client.poll();
  }

  /** The requests sent of API `apiKey` (and removes them from {@link sent}). */
  take(apiKey: number): SentRequest[] {
    const taken = this.sent.filter((s) => s.request.apiKey === apiKey);
    for (const t of taken) this.sent.splice(this.sent.indexOf(t), 1);
    return taken;
  }

  /** Sends a request to the client and polls until it is answered (a parked fetch needs the caller's polls). */
  async request<T extends RaftResponseData>(apiKey: Parameters<KafkaRaftClient['handleInboundRequest']>[0], apiVersion: number, data: Parameters<KafkaRaftClient['handleInboundRequest']>[2]): Promise<T> {
    let answer: T | undefined;
    void this.client.handleInboundRequest(apiKey, apiVersion, data).then((r) => (answer = r as T));
    for (let i = 0; i < 10 && answer === undefined; i++) await this.client.poll();
    if (answer === undefined) throw new Error(`no answer to API ${apiKey} after 10 polls`);
    return answer;
  }

  /** The voter set of a dynamic quorum: ids with directory ids, endpoint host<id>:9093, kraft.version 0-1. */
  static dynamicVoters(ids: readonly number[], dirs: readonly string[]): VoterSet {
    return new VoterSet(ids.map((id, i) => ({ voterKey: replicaKey(id, dirs[i]!), listeners: new Map([['CONTROLLER', { host: `host${id}`, port: 9093 }]]), supportedKRaftVersion: { min: 0, max: 1 } })));
  }

  /** Durable vote of the store. */
  get durable(): ElectionState | null {
    return this.store.durable;
  }

  static votedFor(epoch: number, candidate: number, voters: readonly number[]): ElectionState {
    return ElectionState.withVotedCandidate(epoch, replicaKey(candidate), new Set(voters));
  }
}

export { ApiKeys };
