// The KIP-853 part of `kafka-broker format`, after Kafka 4.x's StorageTool.runFormatCommand and Formatter:
// --standalone, --initial-controllers and --no-initial-controllers, their rules and messages, and the bootstrap
// checkpoint that gives a controller its first voters.

import { join } from 'node:path';
import { pino } from 'pino';
import { randomUuid } from '../common/uuid.ts';
import { SystemTime } from '../common/time.ts';
import type { KafkaConfig } from '../config/kafka-config.ts';
import { METADATA_LOG_DIR_NAME } from '../storage/log-manager.ts';
import { writeBootstrapCheckpoint } from '../raft/bootstrap-checkpoint.ts';
import { KafkaMetadataLog } from '../raft/kafka-metadata-log.ts';
import { replicaKey } from '../raft/replica-key.ts';
import { VoterSet } from '../raft/voter-set.ts';
import { metadataLogConfigOf } from '../server/kafka-raft-manager.ts';
import { parseDynamicVoters, type DynamicVoter } from './dynamic-voters.ts';

/** The dynamic-quorum flags of `format` (mutually exclusive). */
export interface DynamicQuorumFlags {
  readonly standalone?: boolean;
  readonly initialControllers?: string;
  readonly noInitialControllers?: boolean;
}

/**
 * The initial voters `format` writes into this node's bootstrap checkpoint, or null for none (a static quorum,
 * --no-initial-controllers, a broker-only node). --standalone makes this controller the only voter: its id, its
 * first advertised controller listener (an empty host is localhost) and a new directory id.
 * @throws Error with Kafka's StorageTool messages: both forms of quorum at once; --standalone on a node without
 *   the controller role; a controller of a dynamic quorum (empty controller.quorum.voters) without one of the
 *   three flags; a malformed --initial-controllers; more than one flag.
 */
export function initialVoters(config: KafkaConfig, flags: DynamicQuorumFlags): DynamicVoter[] | null {
  const given = [flags.standalone === true && '--standalone', flags.initialControllers !== undefined && '--initial-controllers', flags.noInitialControllers === true && '--no-initial-controllers'].filter((f) => f !== false);
  if (given.length > 1) throw new Error(`argument ${given[1]}: not allowed with argument ${given[0]}`);
  const staticVotersEmpty = config.quorumVoters.length === 0;
  if (!staticVotersEmpty && (flags.initialControllers !== undefined || flags.standalone === true)) {
    throw new Error(
      'You cannot specify controller.quorum.voters and format the node with --initial-controllers or --standalone. If you want to use dynamic quorum, please remove controller.quorum.voters and specify controller.quorum.bootstrap.servers instead.',
    );
  }
  let voters: DynamicVoter[] | null = null;
  if (flags.initialControllers !== undefined) voters = parseDynamicVoters(flags.initialControllers);
  if (flags.standalone === true) {
    if (!config.isController) throw new Error('You can only use --standalone on a controller.');
    const listener = config.advertisedControllerListeners[0];
    if (listener === undefined) throw new Error('No controller listeners found.');
    const host = listener.host === null || listener.host === '' ? 'localhost' : listener.host;
    voters = [{ nodeId: config.nodeId, host, port: listener.port, directoryId: randomUuid() }];
  }
  if (flags.noInitialControllers !== true && config.isController && staticVotersEmpty && voters === null) {
    throw new Error('Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.');
  }
  return voters;
}

/** The directory id the metadata log directory gets: this node's entry of the initial voters, when it is one. */
export function metadataDirectoryId(config: KafkaConfig, voters: readonly DynamicVoter[] | null): string | null {
  return voters?.find((v) => v.nodeId === config.nodeId)?.directoryId ?? null;
}

/**
 * Writes the bootstrap checkpoint (`__cluster_metadata-0/00000000000000000000-0000000000.checkpoint`) into the
 * metadata log directory of a controller, as Kafka's Formatter does before it writes meta.properties: the bootstrap
 * metadata `records` (metadata.version, the other feature levels, --add-scram's credentials), and with initial
 * voters kraft.version 1 and those voters on the first controller listener; without (a static quorum) kraft.version
 * 0. Brokers get none (they learn the voters and the metadata from the log).
 * @param records encoded metadata records, appended by the first active controller (BootstrapMetadata.read).
 * @returns false when this node is no controller, or the directory already has one.
 * @throws Error when the metadata log there is not empty.
 */
export async function writeBootstrapSnapshot(config: KafkaConfig, voters: readonly DynamicVoter[] | null, records: readonly Buffer[]): Promise<boolean> {
  if (!config.isController) return false;
  const listenerName = config.controllerListenerNames[0]!;
  const voterSet = voters === null ? null : new VoterSet(voters.map((v) => ({
    voterKey: replicaKey(v.nodeId, v.directoryId),
    listeners: new Map([[listenerName, { host: v.host, port: v.port }]]),
    // Kafka's DynamicVoter.toVoterNode: kraft.version 0 to 1.
    supportedKRaftVersion: { min: 0, max: 1 },
  })));
  const logger = pino({ level: 'silent' });
  const log = await KafkaMetadataLog.open(join(config.metadataLogDir, METADATA_LOG_DIR_NAME), metadataLogConfigOf(config), { time: SystemTime, logger });
  try {
    return await writeBootstrapCheckpoint(log, voterSet, voterSet === null ? 0 : 1, SystemTime.milliseconds(), records);
  } finally {
    await log.close();
  }
}
