import { SeededRandom } from '../../../src/common/random.ts';
import { MetadataDelta } from '../../../src/metadata/metadata-delta.ts';
import { EMPTY_IMAGE, clientQuotaEntity, type MetadataImage } from '../../../src/metadata/metadata-image.ts';
import { MIGRATING_DIRECTORY, type PartitionRegistration } from '../../../src/metadata/partition-registration.ts';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord, type MetadataRecordInput } from '../../../src/metadata/metadata-record-serde.ts';
import { MetadataVersion, metadataVersionSupports as supports } from '../../../src/metadata/metadata-version.ts';

/** A record as replay takes it (version is informational for replay). */
export function rec(r: MetadataRecordInput): MetadataRecord {
  return { version: 0, ...r } as MetadataRecord;
}

/** Replays `batches` onto `base`, one delta per batch as the loader publishes them. */
export function replayBatches(base: MetadataImage, batches: readonly MetadataRecordInput[][], firstOffset = base.offset + 1n): MetadataImage {
  let image = base;
  let offset = firstOffset;
  for (const batch of batches) {
    const delta = new MetadataDelta(image);
    for (const r of batch) delta.replay(rec(r), offset++, 3);
    image = delta.apply().image;
  }
  return image;
}

/** Loads encoded snapshot batches onto `base` as the loader will: one delta, begin/finish snapshot. */
export function loadSnapshot(base: MetadataImage, batches: Iterable<Buffer[]>, offset: bigint, epoch: number) {
  const delta = new MetadataDelta(base);
  delta.beginSnapshot();
  for (const batch of batches) for (const value of batch) delta.replay(decodeMetadataRecord(value), 0n, 0);
  delta.finishSnapshot(offset, epoch);
  return delta.apply();
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

function sorted<K, V>(m: ReadonlyMap<K, V>): [K, V][] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function partition(p: PartitionRegistration) {
  return {
    replicas: [...p.replicas], isr: [...p.isr], removingReplicas: [...p.removingReplicas], addingReplicas: [...p.addingReplicas],
    directories: [...p.directories], elr: [...p.elr], lastKnownElr: [...p.lastKnownElr],
    leader: p.leader, leaderRecoveryState: p.leaderRecoveryState, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch,
  };
}

/**
 * The canonical form of an image for deep comparison: every map sorted by key, every value as plain data
 * (class instances and frozen shared lists become plain arrays, Buffers hex). Offsets are left out: a snapshot's
 * image carries the snapshot's offset, which the caller compares on its own.
 */
export function canonicalImage(image: MetadataImage) {
  for (const [name, t] of image.topicsByName) if (image.topicsById.get(t.id) !== t || t.name !== name) throw new Error(`topicsByName and topicsById disagree on ${name}`);
  if (image.topicsByName.size !== image.topicsById.size) throw new Error('topicsByName and topicsById differ in size');
  return {
    features: sorted(image.features),
    brokers: sorted(image.brokers).map(([id, b]) => [id, { ...b, endpoints: [...b.endpoints], supportedFeatures: [...b.supportedFeatures], directories: [...b.directories] }]),
    controllers: sorted(image.controllers).map(([id, c]) => [id, { ...c, endpoints: [...c.endpoints], supportedFeatures: [...c.supportedFeatures] }]),
    topics: sorted(image.topicsById).map(([id, t]) => [id, t.name, sorted(t.partitions).map(([p, r]) => [p, partition(r)])]),
    configs: sorted(image.configs).map(([k, m]) => [k, sorted(m)]),
    clientQuotas: sorted(image.clientQuotas).map(([k, m]) => [k, sorted(m)]),
    nextProducerId: image.nextProducerId,
    acls: sorted(image.acls).map(([id, a]) => [id, { ...a }]),
    scram: sorted(image.scram).map(([u, m]) => [u, sorted(m).map(([mech, c]) => [mech, { salt: hex(c.salt), storedKey: hex(c.storedKey), serverKey: hex(c.serverKey), iterations: c.iterations }])]),
    delegationTokens: sorted(image.delegationTokens).map(([id, t]) => [id, { ...t, renewers: [...t.renewers] }]),
  };
}

/** Keys of `a` and `b` whose values differ by `equal` (or that only one has). */
export function differingKeys<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>, equal: (x: V, y: V) => boolean): Set<K> {
  const out = new Set<K>();
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !equal(v, w)) out.add(k);
  }
  for (const k of b.keys()) if (!a.has(k)) out.add(k);
  return out;
}

/**
 * A controller-like source of metadata operations for property tests: each {@link next} looks at the current
 * image and returns one operation's records (a batch), as Kafka's controller would write them at the image's
 * metadata.version, so that everything it writes must survive a snapshot.
 */
export class RandomMetadataOps {
  readonly #random: SeededRandom;
  #nextBrokerEpoch = 100n;
  #nextTopic = 0;

  constructor(seed: number) {
    this.#random = new SeededRandom(seed);
  }

  #int(bound: number): number {
    return this.#random.nextInt(bound);
  }

  #pick<T>(items: readonly T[]): T {
    return items[this.#int(items.length)]!;
  }

  #chance(p: number): boolean {
    return this.#random.nextDouble() < p;
  }

  uuid(): string {
    const b = Buffer.alloc(16);
    for (let i = 0; i < 16; i += 4) b.writeUInt32BE(this.#random.nextUint32(), i);
    b[0] = b[0]! | 0x80; // never one of Kafka's reserved directory ids (all-zero high bits)
    return b.toString('base64url');
  }

  #bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.#int(256)));
  }

  #ids(count: number, from: readonly number[]): number[] {
    const pool = [...from];
    const out: number[] = [];
    while (out.length < count && pool.length > 0) out.push(pool.splice(this.#int(pool.length), 1)[0]!);
    return out;
  }

  /** The first batch: metadata.version at a random level whose records this build can all write. */
  bootstrap(): MetadataRecordInput[] {
    const level = MetadataVersion.MINIMUM_LEVEL + this.#int(MetadataVersion.IBP_4_3_IV0 - MetadataVersion.MINIMUM_LEVEL);
    return [{ type: 'FeatureLevelRecord', data: { name: 'metadata.version', featureLevel: level } }];
  }

  /** One operation's records against `image` (never empty). */
  next(image: MetadataImage): MetadataRecordInput[] {
    const mv = image.features.get('metadata.version')!;
    const brokers = [...image.brokers.values()];
    const topics = [...image.topicsById.values()];
    for (;;) {
      switch (this.#int(17)) {
        case 0:
        case 1: {
          const brokerId = this.#int(6);
          const dirs = supports.directoryAssignment(mv) ? Array.from({ length: this.#int(3) }, () => this.uuid()) : [];
          return [{
            type: 'RegisterBrokerRecord',
            data: {
              brokerId, isMigratingZkBroker: supports.zkMigration(mv) && this.#chance(0.1), incarnationId: this.uuid(), brokerEpoch: this.#nextBrokerEpoch++,
              endPoints: Array.from({ length: 1 + this.#int(2) }, (_, i) => ({ name: `L${i}`, host: `h${brokerId}`, port: 9092 + i, securityProtocol: this.#int(4) })),
              features: [{ name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: mv + this.#int(3) }],
              rack: this.#chance(0.5) ? `rack-${this.#int(3)}` : null, fenced: this.#chance(0.5), inControlledShutdown: false, logDirs: dirs,
            },
          }];
        }
        case 2: {
          if (brokers.length === 0) continue;
          const b = this.#pick(brokers);
          const kind = this.#int(4);
          if (kind === 0) return [{ type: 'FenceBrokerRecord', data: { id: b.id, epoch: b.epoch } }];
          if (kind === 1) return [{ type: 'UnfenceBrokerRecord', data: { id: b.id, epoch: b.epoch } }];
          if (kind === 2) return [{ type: 'UnregisterBrokerRecord', data: { brokerId: b.id, brokerEpoch: b.epoch } }];
          const logDirs = supports.directoryAssignment(mv) && this.#chance(0.5) ? [this.uuid()] : [];
          return [{ type: 'BrokerRegistrationChangeRecord', data: { brokerId: b.id, brokerEpoch: b.epoch, fenced: this.#int(3) - 1, inControlledShutdown: this.#int(2), logDirs } }];
        }
        case 3: {
          if (!supports.controllerRegistration(mv)) continue;
          const controllerId = 3000 + this.#int(3);
          return [{
            type: 'RegisterControllerRecord',
            data: {
              controllerId, incarnationId: this.uuid(), zkMigrationReady: this.#chance(0.2),
              endPoints: [{ name: 'CONTROLLER', host: 'c', port: 9093, securityProtocol: this.#int(4) }],
              features: [{ name: 'kraft.version', minSupportedVersion: 0, maxSupportedVersion: 1 }],
            },
          }];
        }
        case 4:
        case 5: {
          const topicId = this.uuid();
          // Names come back after deletion, so a new id under an old name is exercised.
          const name = `t${this.#nextTopic++ % 7}`;
          if (image.topicsByName.has(name)) continue;
          const count = 1 + this.#int(4);
          const records: MetadataRecordInput[] = [{ type: 'TopicRecord', data: { name, topicId } }];
          for (let p = 0; p < count; p++) records.push(this.#partitionRecord(image, topicId, p, mv));
          return records;
        }
        case 6: {
          if (topics.length === 0) continue;
          return [{ type: 'RemoveTopicRecord', data: { topicId: this.#pick(topics).id } }];
        }
        case 7:
        case 8: {
          if (topics.length === 0) continue;
          const t = this.#pick(topics);
          const partitionId = this.#int(t.partitions.size);
          return [this.#partitionChange(image, t.id, partitionId, t.partitions.get(partitionId)!, mv)];
        }
        case 9: {
          if (topics.length === 0) continue;
          const t = this.#pick(topics);
          return [this.#partitionRecord(image, t.id, t.partitions.size, mv)];
        }
        case 10: {
          const resources: [number, string][] = [[4, ''], [4, String(this.#int(3))], ...topics.map((t): [number, string] => [2, t.name])];
          const [resourceType, resourceName] = this.#pick(resources);
          return Array.from({ length: 1 + this.#int(3) }, () => ({
            type: 'ConfigRecord' as const,
            data: { resourceType, resourceName, name: this.#pick(['retention.ms', 'cleanup.policy', 'min.insync.replicas']), value: this.#chance(0.3) ? null : String(this.#int(1000)) },
          }));
        }
        case 11: {
          const entity = this.#pick([
            [{ entityType: 'user', entityName: this.#pick(['alice', 'bob', null]) }],
            [{ entityType: 'client-id', entityName: this.#pick(['app', null]) }],
            [{ entityType: 'client-id', entityName: 'app' }, { entityType: 'user', entityName: this.#pick(['alice', null]) }],
            [{ entityType: 'ip', entityName: this.#pick(['10.0.0.1', null]) }],
          ]);
          const remove = this.#chance(0.3);
          return [{ type: 'ClientQuotaRecord', data: { entity, key: this.#pick(['producer_byte_rate', 'consumer_byte_rate', 'request_percentage']), value: remove ? 0 : this.#int(10_000) / 8, remove } }];
        }
        case 12: {
          const existing = [...image.acls.keys()];
          if (existing.length > 0 && this.#chance(0.3)) return [{ type: 'RemoveAccessControlEntryRecord', data: { id: this.#pick(existing) } }];
          return [{
            type: 'AccessControlEntryRecord',
            data: {
              id: this.uuid(), resourceType: 2 + this.#int(6), resourceName: this.#pick(['*', 't0', 'grp']), patternType: 3 + this.#int(2),
              principal: this.#pick(['User:alice', 'User:*']), host: this.#pick(['*', '10.0.0.1']), operation: 2 + this.#int(12), permissionType: 2 + this.#int(2),
            },
          }];
        }
        case 13: {
          if (!supports.scram(mv)) continue;
          const name = this.#pick(['alice', 'bob', 'carol']);
          const mechanism = 1 + this.#int(2);
          if (this.#chance(0.3)) return [{ type: 'RemoveUserScramCredentialRecord', data: { name, mechanism } }];
          return [{ type: 'UserScramCredentialRecord', data: { name, mechanism, salt: this.#bytes(16), storedKey: this.#bytes(32), serverKey: this.#bytes(32), iterations: 4096 + this.#int(4096) } }];
        }
        case 14: {
          if (!supports.delegationTokens(mv)) continue;
          const existing = [...image.delegationTokens.keys()];
          if (existing.length > 0 && this.#chance(0.3)) return [{ type: 'RemoveDelegationTokenRecord', data: { tokenId: this.#pick(existing) } }];
          const issue = BigInt(1_700_000_000_000 + this.#int(1000));
          return [{
            type: 'DelegationTokenRecord',
            data: { tokenId: `token-${this.#int(5)}`, owner: 'User:alice', requester: 'User:bob', renewers: this.#chance(0.5) ? ['User:carol'] : [], issueTimestamp: issue, maxTimestamp: issue + 604_800_000n, expirationTimestamp: issue + 86_400_000n },
          }];
        }
        case 15:
          return [{ type: 'ProducerIdsRecord', data: { brokerId: this.#int(6), brokerEpoch: 7n, nextProducerId: image.nextProducerId + 1000n } }];
        default: {
          const kind = this.#int(4);
          if (kind === 0 && mv < MetadataVersion.IBP_4_3_IV0 - 1) {
            return [{ type: 'FeatureLevelRecord', data: { name: 'metadata.version', featureLevel: mv + 1 + this.#int(MetadataVersion.IBP_4_3_IV0 - 1 - mv) } }];
          }
          // ELR is switched on once metadata.version allows it and never off (Kafka clears ELR when it is).
          if (kind === 1 && supports.eligibleLeaderReplicas(mv)) return [{ type: 'FeatureLevelRecord', data: { name: 'eligible.leader.replicas.version', featureLevel: 1 } }];
          return [{ type: 'FeatureLevelRecord', data: { name: this.#pick(['group.version', 'transaction.version']), featureLevel: this.#int(3) } }];
        }
      }
    }
  }

  #directories(image: MetadataImage, replicas: readonly number[], mv: number): string[] {
    if (!supports.directoryAssignment(mv) || this.#chance(0.5)) return this.#chance(0.5) ? [] : replicas.map(() => MIGRATING_DIRECTORY);
    return replicas.map((id) => {
      const dirs = image.brokers.get(id)?.directories ?? [];
      return dirs.length > 0 ? this.#pick(dirs) : this.uuid();
    });
  }

  #elr(image: MetadataImage, mv: number): [number[] | null, number[] | null] {
    if (!supports.eligibleLeaderReplicas(mv) || (image.features.get('eligible.leader.replicas.version') ?? 0) < 1 || this.#chance(0.5)) return [null, null];
    return [this.#ids(this.#int(3), [0, 1, 2, 3, 4, 5]), this.#ids(this.#int(2), [0, 1, 2, 3, 4, 5])];
  }

  #partitionRecord(image: MetadataImage, topicId: string, partitionId: number, mv: number): MetadataRecordInput {
    const replicas = this.#ids(1 + this.#int(3), [0, 1, 2, 3, 4, 5]);
    const isr = replicas.filter(() => this.#chance(0.8));
    const [elr, lastKnownElr] = this.#elr(image, mv);
    return {
      type: 'PartitionRecord',
      data: {
        partitionId, topicId, replicas, isr, removingReplicas: this.#chance(0.1) ? replicas.slice(0, 1) : [], addingReplicas: this.#chance(0.1) ? replicas.slice(-1) : [],
        leader: isr[0] ?? -1, leaderRecoveryState: this.#int(2), leaderEpoch: this.#int(5), partitionEpoch: this.#int(5),
        directories: this.#directories(image, replicas, mv), eligibleLeaderReplicas: elr, lastKnownElr,
      },
    };
  }

  #partitionChange(image: MetadataImage, topicId: string, partitionId: number, p: PartitionRegistration, mv: number): MetadataRecordInput {
    const replicas = this.#chance(0.3) ? this.#ids(1 + this.#int(3), [0, 1, 2, 3, 4, 5]) : null;
    const [elr, lastKnownElr] = this.#elr(image, mv);
    const directories = replicas !== null ? this.#directories(image, replicas, mv) : this.#chance(0.2) ? this.#directories(image, p.replicas, mv) : null;
    return {
      type: 'PartitionChangeRecord',
      data: {
        partitionId, topicId,
        isr: this.#chance(0.5) ? (replicas ?? [...p.replicas]).filter(() => this.#chance(0.7)) : null,
        leader: this.#pick([-2, -2, -1, ...(replicas ?? p.replicas)]),
        replicas,
        removingReplicas: this.#chance(0.2) ? [] : null,
        addingReplicas: this.#chance(0.2) ? (replicas ?? [...p.replicas]).slice(0, 1) : null,
        leaderRecoveryState: this.#int(3) - 1,
        directories,
        eligibleLeaderReplicas: elr,
        lastKnownElr,
      },
    };
  }
}

/** `count` operations of `ops` from the empty image, each applied as its own batch. */
export function randomImage(ops: RandomMetadataOps, count: number): MetadataImage {
  let image = replayBatches(EMPTY_IMAGE, [ops.bootstrap()]);
  for (let i = 0; i < count; i++) image = replayBatches(image, [ops.next(image)]);
  return image;
}

/** Every encoded record of the given batches, decoded. */
export function decodeAll(batches: Iterable<Buffer[]>): MetadataRecord[] {
  return [...batches].flat().map((b) => decodeMetadataRecord(b));
}

export { clientQuotaEntity, encodeMetadataRecord };
