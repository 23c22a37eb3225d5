import type { Logger } from '../observability/logger.ts';
import type { KafkaRaftClient } from '../raft/kafka-raft-client.ts';
import type { LeaderAndEpoch } from '../raft/leader-and-epoch.ts';
import { NotLeaderError } from '../raft/not-leader-error.ts';
import { ApiError } from '../common/api-error.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import { encodeMetadataRecord, type MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import type { BrokerEndpoint } from '../metadata/metadata-image.ts';
import { randomUuid } from '../common/uuid.ts';
import {
  ReplicationControlManager,
  type ReplicationControlOptions,
  type TopicCreation,
  type TopicCreationResult,
} from './replication-control-manager.ts';
import {
  ConfigControlManager,
  type ConfigAlteration,
  type ConfigAlterationResult,
  type ConfigControlOptions,
} from './config-control-manager.ts';

/** metadata.version this controller writes at bootstrap: 3.9-IV0 (feature level 21). */
export const METADATA_VERSION_LEVEL = 21;

/** Size of the producer id blocks handed to brokers (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

export interface QuorumControllerOptions extends ReplicationControlOptions, ConfigControlOptions {
  raft: KafkaRaftClient;
  /** The newest committed image (the MetadataLoader's). */
  image(): MetadataImage;
  /**
   * The leader the metadata loader was told of last (its `leader`), or null: the raft client announces its own
   * leadership to its listeners only once they have replayed the log up to its epoch's LeaderChange record, so
   * when this names this node, `image()` holds every record committed before the epoch.
   */
  leader(): LeaderAndEpoch | null;
  logger: Logger;
}

/** NOT_CONTROLLER (41): the request must go to the active controller, which this node is not (or no longer). */
export class NotControllerError extends ApiError {
  constructor(message: string) {
    super(Errors.NOT_CONTROLLER, message);
    this.name = 'NotControllerError';
  }
}

/**
 * The KRaft controller, after Kafka's `QuorumController`: every operation runs in order on one queue, reads the
 * committed image, produces metadata records and appends them to the Raft log as one batch (so an operation is
 * atomic), and answers once the batch is committed and applied. Validate-only operations append nothing.
 *
 * Only the active controller (the raft leader, once its listeners have caught up with its epoch) runs operations;
 * on any other node, or when leadership is lost before an operation's batch commits, the operation fails with
 * NOT_CONTROLLER (41), which clients and brokers retry against the new active controller. Because an operation
 * waits for its batch to be committed and applied before the next one starts, each reads an image that holds every
 * earlier write (Kafka gets the same from applying records as it writes them and reverting on leadership loss).
 */
export class QuorumController {
  readonly #options: QuorumControllerOptions;
  readonly #replication: ReplicationControlManager;
  readonly #configs: ConfigControlManager;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: QuorumControllerOptions) {
    this.#options = options;
    this.#replication = new ReplicationControlManager(options);
    this.#configs = new ConfigControlManager(options);
  }

  /** The epoch this node is the active controller of. @throws NotControllerError when it is not active. */
  activeEpoch(): number {
    const leader = this.#options.leader();
    if (leader === null || leader.leaderId !== this.#options.nodeId) {
      throw new NotControllerError(`node ${this.#options.nodeId} is not the active controller${leader?.leaderId == null ? '' : ` (node ${leader.leaderId} is, in epoch ${leader.epoch})`}`);
    }
    return leader.epoch;
  }

  /** Whether this node is the active controller now. */
  get isActive(): boolean {
    const leader = this.#options.leader();
    return leader !== null && leader.leaderId === this.#options.nodeId;
  }

  /**
   * Runs `op` after the operations before it, on the active controller only, with the epoch it runs in.
   * @throws NotControllerError when this node is not the active controller or loses leadership during `op`.
   */
  #enqueue<T>(op: (epoch: number) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const epoch = this.activeEpoch();
      try {
        return await op(epoch);
      } catch (e) {
        if (e instanceof NotLeaderError) throw new NotControllerError(e.message);
        throw e;
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Appends `records` as one batch in `epoch` and waits until it is committed and applied by the metadata loader
   * (so the next operation reads an image that has it).
   * @throws NotLeaderError when this node is not (or stops being) the leader of `epoch` first.
   */
  async #commit(epoch: number, records: MetadataRecordInput[]): Promise<void> {
    if (records.length === 0) return;
    const raft = this.#options.raft;
    const offset = raft.scheduleAppend(epoch, records.map(encodeMetadataRecord));
    await raft.waitForCommit(epoch, offset);
  }

  #run<T>(compute: (image: MetadataImage) => { records: MetadataRecordInput[]; results: T[] }, validateOnly: boolean): Promise<T[]> {
    return this.#enqueue(async (epoch) => {
      const { records, results } = compute(this.#options.image());
      if (!validateOnly) await this.#commit(epoch, records);
      return results;
    });
  }

  /** Writes the bootstrap records (metadata.version) into an empty metadata log, on the active controller. */
  bootstrap(): Promise<void> {
    return this.#enqueue(async (epoch) => {
      if (this.#options.image().features.has('metadata.version')) return;
      await this.#commit(epoch, [{ type: 'FeatureLevelRecord', data: { name: 'metadata.version', featureLevel: METADATA_VERSION_LEVEL } }]);
    });
  }

  createTopics(topics: TopicCreation[], validateOnly: boolean): Promise<TopicCreationResult[]> {
    return this.#run((image) => this.#replication.createTopics(image, topics), validateOnly);
  }

  deleteTopics(topics: { name: string | null; topicId: string | null }[]) {
    return this.#run((image) => this.#replication.deleteTopics(image, topics), false);
  }

  createPartitions(requests: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[], validateOnly: boolean) {
    return this.#run((image) => this.#replication.createPartitions(image, requests), validateOnly);
  }

  incrementalAlterConfigs(resources: ConfigAlteration[], validateOnly: boolean): Promise<ConfigAlterationResult[]> {
    return this.#run((image) => this.#configs.incrementalAlterConfigs(image, resources), validateOnly);
  }

  legacyAlterConfigs(
    resources: { resourceType: number; resourceName: string; configs: { name: string; value: string | null }[] }[],
    validateOnly: boolean,
  ): Promise<ConfigAlterationResult[]> {
    return this.#run((image) => this.#configs.legacyAlterConfigs(image, resources), validateOnly);
  }

  /**
   * Registers (or re-registers) a broker with a new epoch and unfences it (BrokerRegistration + the first
   * heartbeat of Kafka's protocol, collapsed for a combined node). Partitions of which it is a replica and that
   * have no leader get it as leader.
   * @returns the broker epoch.
   */
  registerBroker(brokerId: number, endpoints: BrokerEndpoint[], rack: string | null, incarnationId: string = randomUuid()): Promise<bigint> {
    return this.#enqueue(async (leaderEpoch) => {
      const image = this.#options.image();
      const epoch = image.offset + 1n;
      const records: MetadataRecordInput[] = [
        {
          type: 'RegisterBrokerRecord',
          data: {
            brokerId,
            isMigratingZkBroker: false,
            incarnationId,
            brokerEpoch: epoch,
            endPoints: endpoints.map((e) => ({ ...e })),
            features: [{ name: 'metadata.version', minSupportedVersion: 1, maxSupportedVersion: METADATA_VERSION_LEVEL }],
            rack,
            fenced: false,
            inControlledShutdown: false,
            logDirs: [],
          },
        },
      ];
      for (const topic of image.topicsById.values()) {
        for (const [partitionId, p] of topic.partitions) {
          if (p.leader === -1 && p.replicas.includes(brokerId)) {
            records.push({
              type: 'PartitionChangeRecord',
              data: {
                partitionId,
                topicId: topic.id,
                isr: p.isr.includes(brokerId) ? null : [...p.isr, brokerId],
                leader: brokerId,
                replicas: null,
                removingReplicas: null,
                addingReplicas: null,
                leaderRecoveryState: -1,
                directories: null,
                eligibleLeaderReplicas: null,
                lastKnownElr: null,
              },
            });
          }
        }
      }
      await this.#commit(leaderEpoch, records);
      this.#options.logger.info({ brokerId, brokerEpoch: String(epoch) }, 'Registered broker');
      return epoch;
    });
  }

  /**
   * Hands out the next block of producer ids (AllocateProducerIds / KIP-730): ids
   * [start, start + PRODUCER_ID_BLOCK_SIZE) are reserved by a committed ProducerIdsRecord, so they never repeat
   * across restarts or nodes.
   */
  allocateProducerIds(brokerId: number, brokerEpoch: bigint): Promise<{ start: bigint; length: number }> {
    return this.#enqueue(async (epoch) => {
      const start = this.#options.image().nextProducerId;
      const next = start + BigInt(PRODUCER_ID_BLOCK_SIZE);
      await this.#commit(epoch, [{ type: 'ProducerIdsRecord', data: { brokerId, brokerEpoch, nextProducerId: next } }]);
      return { start, length: PRODUCER_ID_BLOCK_SIZE };
    });
  }
}
