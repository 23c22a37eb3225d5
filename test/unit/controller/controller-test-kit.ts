import assert from 'node:assert/strict';
import { ApiError } from '../../../src/common/api-error.ts';
import { MockTime } from '../../../src/common/time.ts';
import { SeededRandom } from '../../../src/common/random.ts';
import { MetadataDelta } from '../../../src/metadata/metadata-delta.ts';
import { EMPTY_IMAGE, type MetadataImage } from '../../../src/metadata/metadata-image.ts';
import { decodeMetadataRecord, type MetadataRecord } from '../../../src/metadata/metadata-record-serde.ts';
import { NotLeaderError } from '../../../src/raft/not-leader-error.ts';
import type { LeaderAndEpoch } from '../../../src/raft/leader-and-epoch.ts';
import pino from 'pino';
import { METADATA_VERSION_LEVEL, QuorumController, type ControllerRaftClient } from '../../../src/controller/quorum-controller.ts';
import type { BrokerRegistrationInput } from '../../../src/controller/cluster-control-manager.ts';
import type { BrokerHeartbeatInput } from '../../../src/controller/broker-state-handlers.ts';

export const CLUSTER_ID = 'test-cluster-id-00000A';

/** Controllers in these tests log nothing (a simulation runs hundreds of them). */
export const SILENT = pino({ level: 'silent' });

/** A committed record with its offset. */
export interface CommittedRecord {
  readonly offset: bigint;
  readonly record: MetadataRecord;
}

/**
 * An in-memory metadata quorum for controllers: appends become pending batches that {@link commit} applies to the
 * image (decoding them, so record versions and serde are exercised); a leadership change drops or commits the
 * pending batches and fails the old leader's commit waits, as the raft client does.
 */
export class FakeMetadataQuorum {
  image: MetadataImage = EMPTY_IMAGE;
  leader: LeaderAndEpoch | null = null;
  /** Commit appends as soon as they are scheduled (at the next microtask). */
  autoCommit = true;
  kraftVersion = 0;
  readonly committed: CommittedRecord[] = [];
  #nextOffset = 0n;
  #pending: { epoch: number; baseOffset: bigint; records: Buffer[] }[] = [];
  #waiters: { epoch: number; offset: bigint; resolve: () => void; reject: (e: Error) => void }[] = [];
  readonly #listeners: ((leader: LeaderAndEpoch) => void)[] = [];
  readonly #batchListeners: ((image: MetadataImage) => void)[] = [];

  /** The raft client a controller on `nodeId` sees. */
  raftFor(nodeId: number): ControllerRaftClient {
    const q = this;
    return {
      scheduleAppend(epoch, records) {
        if (q.leader?.leaderId !== nodeId || q.leader.epoch !== epoch) throw new NotLeaderError(`node ${nodeId} is not the leader of epoch ${epoch}`);
        const baseOffset = q.#nextOffset;
        q.#nextOffset += BigInt(records.length);
        q.#pending.push({ epoch, baseOffset, records: [...records] });
        if (q.autoCommit) queueMicrotask(() => q.commit());
        return q.#nextOffset - 1n;
      },
      waitForCommit(epoch, offset) {
        if (q.image.offset >= offset) return Promise.resolve();
        if (q.leader?.leaderId !== nodeId || q.leader.epoch !== epoch) return Promise.reject(new NotLeaderError('not the leader'));
        return new Promise((resolve, reject) => q.#waiters.push({ epoch, offset, resolve, reject }));
      },
      get logEndOffset() {
        return q.#nextOffset;
      },
      latestVoters: () => ({ kraftVersion: q.kraftVersion }),
    };
  }

  /** Calls `listener` on every leader change (as the loader's onLeaderChange). */
  onLeaderChange(listener: (leader: LeaderAndEpoch) => void): void {
    this.#listeners.push(listener);
  }

  /** Calls `listener` with the image after each committed batch (a simulation checks its invariants there). */
  onBatchApplied(listener: (image: MetadataImage) => void): void {
    this.#batchListeners.push(listener);
  }

  get pendingBatches(): number {
    return this.#pending.length;
  }

  /** Applies every pending batch (one delta per batch, as the loader) and resolves the waits it satisfies. */
  commit(): void {
    for (const batch of this.#pending.splice(0)) {
      const delta = new MetadataDelta(this.image);
      batch.records.forEach((value, i) => {
        const record = decodeMetadataRecord(value);
        const offset = batch.baseOffset + BigInt(i);
        delta.replay(record, offset, batch.epoch);
        this.committed.push({ offset, record });
      });
      this.image = delta.apply().image;
      for (const l of this.#batchListeners) l(this.image);
    }
    const ready = this.#waiters.filter((w) => w.offset <= this.image.offset);
    this.#waiters = this.#waiters.filter((w) => w.offset > this.image.offset);
    for (const w of ready) w.resolve();
  }

  /**
   * A new leader (or none): the pending batches of the old one are committed by the new leader
   * (`keepPending`) or truncated; the old leader's waits fail either way. Listeners hear of it.
   */
  changeLeader(leaderId: number | null, keepPending: boolean): void {
    const epoch = (this.leader?.epoch ?? 0) + 1;
    const waiters = this.#waiters.splice(0);
    if (keepPending) {
      const target = this.#nextOffset - 1n;
      this.commit();
      if (this.image.offset < target) throw new Error('pending batches were not committed');
    } else {
      this.#pending = [];
      this.#nextOffset = this.image.offset + 1n;
    }
    for (const w of waiters) w.reject(new NotLeaderError(`leadership of epoch ${w.epoch} lost`));
    this.leader = { leaderId, epoch };
    for (const l of this.#listeners) l(this.leader);
  }

  /** The offset of the last committed RegisterBrokerRecord of `brokerId`, or null. */
  registrationOffset(brokerId: number): bigint | null {
    for (let i = this.committed.length - 1; i >= 0; i--) {
      const c = this.committed[i]!;
      if (c.record.type === 'RegisterBrokerRecord' && c.record.data.brokerId === brokerId) return c.offset;
    }
    return null;
  }
}

/** Settles promise chains (queue operations, commits at microtasks). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

export interface ControllerKitOptions {
  nodeId?: number;
  sessionTimeoutMs?: number;
  uncleanLeaderElectionEnable?: boolean;
  /** auto.leader.rebalance.enable with this interval; null (the default here) disables it. */
  leaderImbalanceCheckIntervalMs?: number | null;
  seed?: number;
  time?: MockTime;
  /** The metadata.version a new cluster gets (default: the controller's, with KIP-966 ELR on). */
  bootstrapMetadataVersion?: number;
  /** The static min.insync.replicas written cluster-wide at bootstrap when ELR is on. */
  minInsyncReplicas?: number;
}

/** A QuorumController on `quorum` with test settings. */
export function newController(quorum: FakeMetadataQuorum, options: ControllerKitOptions = {}): QuorumController {
  const nodeId = options.nodeId ?? 1;
  const controller = new QuorumController({
    raft: quorum.raftFor(nodeId),
    clusterId: CLUSTER_ID,
    time: options.time ?? new MockTime(),
    random: new SeededRandom(options.seed ?? 1),
    sessionTimeoutMs: options.sessionTimeoutMs ?? 9000,
    uncleanLeaderElectionIntervalMs: 300_000,
    leaderImbalanceCheckIntervalMs: options.leaderImbalanceCheckIntervalMs ?? null,
    uncleanLeaderElectionEnable: options.uncleanLeaderElectionEnable ?? false,
    ...(options.bootstrapMetadataVersion === undefined ? {} : { bootstrapMetadataVersion: options.bootstrapMetadataVersion }),
    ...(options.minInsyncReplicas === undefined ? {} : { minInsyncReplicas: options.minInsyncReplicas }),
    image: () => quorum.image,
    leader: () => quorum.leader,
    logger: SILENT,
    nodeId,
    defaultNumPartitions: 1,
    defaultReplicationFactor: 1,
    validateTopicConfig: () => null,
    validateBrokerConfig: () => null,
    isListConfig: () => false,
  });
  quorum.onLeaderChange((leader) => controller.handleLeaderChange(leader));
  return controller;
}

/**
 * A registration request of `brokerId` (incarnation `incarnationId`), supporting metadata.version 7 to the
 * controller's bootstrap level and eligible.leader.replicas.version 0..1.
 */
export function registration(brokerId: number, incarnationId: string, overrides: Partial<BrokerRegistrationInput> = {}): BrokerRegistrationInput {
  return {
    brokerId,
    clusterId: CLUSTER_ID,
    incarnationId,
    listeners: [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 + brokerId, securityProtocol: 0 }],
    features: [
      { name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: METADATA_VERSION_LEVEL },
      { name: 'eligible.leader.replicas.version', minSupportedVersion: 0, maxSupportedVersion: 1 },
    ],
    rack: null,
    isMigratingZkBroker: false,
    logDirs: [],
    previousBrokerEpoch: -1n,
    ...overrides,
  };
}

/** A heartbeat of `brokerId` at `brokerEpoch` reporting `currentMetadataOffset`. */
export function heartbeat(brokerId: number, brokerEpoch: bigint, currentMetadataOffset: bigint, flags: { wantFence?: boolean; wantShutDown?: boolean } = {}): BrokerHeartbeatInput {
  return { brokerId, brokerEpoch, currentMetadataOffset, wantFence: flags.wantFence ?? false, wantShutDown: flags.wantShutDown ?? false, offlineLogDirs: [] };
}

/** Incarnation ids: valid Kafka Uuid strings, one per index. */
export function incarnation(n: number): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(0x1000 + n, 0);
  bytes.writeUInt32BE(n, 12);
  return bytes.toString('base64url');
}

/**
 * A cluster of one active controller (node 1) on a bootstrapped quorum with brokers registered and unfenced.
 * @returns the controller, the quorum and each broker's epoch.
 */
export async function activeCluster(brokers: number[], options: ControllerKitOptions & { racks?: Record<number, string> } = {}) {
  const quorum = new FakeMetadataQuorum();
  const time = options.time ?? new MockTime();
  const controller = newController(quorum, { ...options, time });
  quorum.changeLeader(options.nodeId ?? 1, false);
  await controller.bootstrap();
  const epochs = new Map<number, bigint>();
  for (const id of brokers) {
    const epoch = await controller.registerBroker(registration(id, incarnation(id), { rack: options.racks?.[id] ?? null }), 3);
    epochs.set(id, epoch);
  }
  for (const id of brokers) await controller.processBrokerHeartbeat(heartbeat(id, epochs.get(id)!, quorum.image.offset), Infinity);
  return { quorum, controller, epochs, time };
}

/** Asserts that `p` rejects with an ApiError of `code` (and a message matching `message`). */
export async function rejectsWith(p: Promise<unknown>, code: number, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ApiError, `expected an ApiError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });
}

/** The records committed at `offset` or later, as plain objects. */
export function recordsSince(quorum: FakeMetadataQuorum, offset: bigint) {
  return quorum.committed.filter((c) => c.offset >= offset).map((c) => ({ type: c.record.type, version: c.record.version, data: c.record.data as unknown as Record<string, unknown> }));
}
