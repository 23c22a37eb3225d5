// A seeded simulation of the controller's broker membership state machine: three QuorumControllers over one
// in-memory metadata quorum (leadership moves between them, pending records are committed or truncated), brokers
// that register, heartbeat with lagging metadata offsets, ask to be fenced or to shut down, crash and restart as
// new incarnations, partition leaders changing their ISRs (AlterPartition), preferred leader elections
// (ElectLeaders, auto.leader.rebalance.enable), topics created on the way, and clock jumps that drive the periodic
// tasks. After every committed batch the image is checked: a leader is registered, unfenced and in the ISR; a
// partition is leaderless only while no ISR member is active; the ISR is a non-empty subset of the replicas; every
// change bumps the partition epoch, every leader change the leader epoch, and neither goes back; only active brokers
// join an ISR (KIP-841); a leader from outside the ISR only where unclean election is enabled; a broker epoch is the
// offset of its RegisterBrokerRecord, and a broker is unfenced only after reporting that offset. Unexpected errors fail the step they surface in. A
// final calm phase checks that live brokers end unfenced and dead ones fenced.
// KIP-966 (eligible leader replicas, on in most seeds; topics get min.insync.replicas 1-3): the ELR and the ISR are
// disjoint replicas; the ELR is non-empty only while the ISR is below min.insync.replicas; a new ELR member was in
// the ISR or the ELR before; an empty ISR only with ELR on and never with a leader; a leader comes from the ISR or
// the ELR, or is the last known leader when both were empty (then RECOVERING), unless unclean election is enabled; lastKnownElr only while leaderless; a broker that re-registers after an unclean shutdown (no previous
// broker epoch, as after kill -9) is in no ELR.
import { MockTime } from '../../../src/common/time.ts';
import { SeededRandom } from '../../../src/common/random.ts';
import { ApiError } from '../../../src/common/api-error.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { QuorumController } from '../../../src/controller/quorum-controller.ts';
import { isActiveBroker } from '../../../src/controller/cluster-control-manager.ts';
import type { MetadataImage, PartitionRegistration } from '../../../src/metadata/metadata-image.ts';
import { FakeMetadataQuorum, heartbeat, incarnation, newController, registration, settle } from './controller-test-kit.ts';

const CONTROLLER_IDS = [1, 2, 3];
const BROKER_IDS = [1, 2, 3, 4, 5];
const SESSION_TIMEOUT_MS = 9000;
/** Errors a broker or admin may get back in this simulation; anything else is a failure. */
const EXPECTED_ERRORS = new Set<number>([
  Errors.NOT_CONTROLLER,
  Errors.STALE_BROKER_EPOCH,
  Errors.DUPLICATE_BROKER_REGISTRATION,
  Errors.REQUEST_TIMED_OUT,
  Errors.BROKER_ID_NOT_REGISTERED,
]);

/** Per-partition AlterPartition answers that may come back here (the rest would be bugs). */
const ALTER_PARTITION_ERRORS = new Set<number>([
  Errors.NONE,
  Errors.NOT_CONTROLLER,
  Errors.FENCED_LEADER_EPOCH,
  Errors.INVALID_REQUEST,
  Errors.INVALID_UPDATE_VERSION,
  Errors.INELIGIBLE_REPLICA,
  Errors.OPERATION_NOT_ATTEMPTED,
]);

interface Broker {
  readonly id: number;
  incarnation: number;
  epoch: bigint | null;
  alive: boolean;
  shuttingDown: boolean;
  wantFence: boolean;
  /** The newest metadata offset it has (never above the committed image). */
  offset: bigint;
  /** Highest offset reported in a heartbeat, per broker epoch. */
  readonly reported: Map<bigint, bigint>;
  inFlight: boolean;
  /** The broker epoch of its last clean (controlled) shutdown, sent as previousBrokerEpoch when it registers again. */
  cleanShutdownEpoch: bigint | null;
  /** The previousBrokerEpoch of its newest registration request. */
  sentPreviousEpoch: bigint;
}

export interface SimulationResult {
  readonly seed: number;
  readonly steps: number;
  readonly unfencings: number;
  readonly fencings: number;
  readonly leaderChanges: number;
  readonly elections: number;
  readonly uncleanElections: number;
  /** Leaders elected from the ELR (KIP-966), the ISR being empty. */
  readonly elrElections: number;
  /** Leaders elected as the last known leader (KIP-966's balanced recovery), the ISR and ELR being empty. */
  readonly lastKnownLeaderElections: number;
  /** Committed partition states with a non-empty ELR. */
  readonly elrStates: number;
  /** AlterPartition requests accepted. */
  readonly isrChanges: number;
  /** Leader changes that gave a partition its preferred replica back. */
  readonly preferredLeaders: number;
}

export class MembershipSimulationError extends Error {
  constructor(seed: number, step: number, message: string) {
    super(`seed ${seed}, step ${step}: ${message}\nreplay: CONTROLLER_SIM_SEED=${seed} ./node_modules/.bin/node --test test/unit/controller/membership-simulation.test.ts`);
  }
}

/** Runs one seed for `steps` steps. @throws MembershipSimulationError when an invariant breaks. */
export async function runMembershipSimulation(seed: number, steps: number): Promise<SimulationResult> {
  const rng = new SeededRandom(seed);
  const time = new MockTime();
  const quorum = new FakeMetadataQuorum();
  quorum.autoCommit = false;
  const unclean = rng.nextInt(4) === 0;
  // KIP-966 in three seeds out of four (the metadata.version of a new Kafka 4.1+ cluster), else 3.9-IV0.
  const elrEnabled = rng.nextInt(4) !== 0;
  // auto.leader.rebalance.enable in half the seeds, checking more often than the session timeout.
  const leaderImbalanceCheckIntervalMs = rng.nextInt(2) === 0 ? 3000 : null;
  const controllers = new Map<number, QuorumController>(
    CONTROLLER_IDS.map((id) => [id, newController(quorum, { nodeId: id, time, seed: rng.nextUint32(), sessionTimeoutMs: SESSION_TIMEOUT_MS, uncleanLeaderElectionEnable: unclean, leaderImbalanceCheckIntervalMs, bootstrapMetadataVersion: elrEnabled ? 26 : 21 })]),
  );
  const brokers: Broker[] = BROKER_IDS.map((id) => ({ id, incarnation: 0, epoch: null, alive: true, shuttingDown: false, wantFence: false, offset: -1n, reported: new Map(), inFlight: false, cleanShutdownEpoch: null, sentPreviousEpoch: -1n }));
  let step = 0;
  const fail = (message: string): never => {
    throw new MembershipSimulationError(seed, step, message);
  };
  const failures: string[] = [];
  const expectError = (what: string) => (e: unknown) => {
    if (!(e instanceof ApiError) || !EXPECTED_ERRORS.has(e.code)) failures.push(`${what}: unexpected ${e instanceof Error ? e.stack : String(e)}`);
  };
  const stats = { unfencings: 0, fencings: 0, leaderChanges: 0, elections: 0, uncleanElections: 0, isrChanges: 0, preferredLeaders: 0, elrElections: 0, lastKnownLeaderElections: 0, elrStates: 0 };
  const active = (): QuorumController | null => {
    const id = quorum.leader?.leaderId;
    return id === null || id === undefined ? null : controllers.get(id)!;
  };

  quorum.changeLeader(1, false);
  const boot = active()!.bootstrap();
  await settle();
  quorum.commit();
  await boot;

  // What the invariants remember between steps: each partition's last committed state, each broker's.
  const partitions = new Map<string, PartitionRegistration>();
  const fenced = new Map<number, { epoch: bigint; fenced: boolean }>();
  const brokerEpochs = new Map<number, bigint>();
  /** Topics created with unclean.leader.election.enable=true (the others follow the static setting). */
  const uncleanTopics = new Set<string>();
  /** Each topic's min.insync.replicas as created (1 when not set: the cluster-wide default). */
  const minIsrOf = new Map<string, number>();

  const checkPartition = (image: MetadataImage, topic: string, partitionId: number, key: string, p: PartitionRegistration): void => {
    const where = `${topic}-${partitionId} (${key})`;
    if (p.leader >= 0) {
      const leader = image.brokers.get(p.leader);
      if (leader === undefined) return fail(`${where} is led by unregistered broker ${p.leader}`);
      if (leader.fenced) fail(`${where} is led by fenced broker ${p.leader}`);
      if (!p.isr.includes(p.leader)) fail(`${where}: leader ${p.leader} is not in its ISR ${p.isr}`);
    } else if (p.isr.some((r) => isActiveBroker(image, r))) {
      fail(`${where} has no leader though ISR ${p.isr} holds an active broker`);
    } else if (p.isr.length === 0 && p.elr.some((r) => isActiveBroker(image, r))) {
      fail(`${where} has no leader though its ISR is empty and ELR ${p.elr} holds an active broker`);
    }
    if (p.isr.length === 0 && (!elrEnabled || p.leader >= 0)) fail(`${where} has an empty ISR (ELR ${elrEnabled ? 'on' : 'off'}, leader ${p.leader})`);
    for (const r of p.isr) if (!p.replicas.includes(r)) fail(`${where}: ISR member ${r} is not a replica`);
    checkElr(image, topic, where, p, partitions.get(key));
    const before = partitions.get(key);
    partitions.set(key, p);
    if (before === undefined || before === p) return;
    const epochs = (x: PartitionRegistration) => `leader epoch ${x.leaderEpoch}, partition epoch ${x.partitionEpoch}`;
    if (p.partitionEpoch <= before.partitionEpoch) fail(`${where} changed without a greater partition epoch: ${epochs(before)} -> ${epochs(p)}`);
    for (const r of p.isr) if (!before.isr.includes(r) && !isActiveBroker(image, r)) fail(`${where}: broker ${r} joined the ISR while fenced, shutting down or unregistered`);
    if (p.leaderEpoch < before.leaderEpoch) fail(`${where}: the leader epoch went back: ${epochs(before)} -> ${epochs(p)}`);
    if (p.leader !== before.leader) {
      if (p.leaderEpoch <= before.leaderEpoch) fail(`${where}: leader ${before.leader} -> ${p.leader} without a new leader epoch (${epochs(p)})`);
      if (p.leader >= 0) stats.elections++;
      if (p.leader >= 0 && p.leader === p.replicas[0]) stats.preferredLeaders++;
      if (p.leader >= 0 && !before.isr.includes(p.leader)) {
        // From the ELR: the change emptied the ISR (its last members leaving it for the ELR) or found it empty.
        if (before.elr.includes(p.leader)) {
          stats.elrElections++;
        } else if (before.isr.length === 0 && before.lastKnownElr.length === 1 && before.lastKnownElr[0] === p.leader) {
          // The last known leader: the ELR was empty, or emptied by this change (its members' unclean shutdown).
          stats.lastKnownLeaderElections++;
        } else {
          if (!unclean && !uncleanTopics.has(topic)) fail(`${where}: leader ${p.leader} elected from outside the ISR [${before.isr}], ELR [${before.elr}] and last known leader [${before.lastKnownElr}] with unclean election disabled`);
          stats.uncleanElections++;
        }
      }
      if (p.leader >= 0 && p.leaderRecoveryState === 0 && before.leader < 0 && !before.isr.includes(p.leader) && !before.elr.includes(p.leader)) {
        fail(`${where}: leader ${p.leader} from outside the ISR and ELR is not RECOVERING`);
      }
    }
  };

  /** KIP-966's invariants of one committed partition state `p` (`before`: the previous committed one). */
  function checkElr(image: MetadataImage, topic: string, where: string, p: PartitionRegistration, before: PartitionRegistration | undefined): void {
    if (!elrEnabled) {
      if (p.elr.length > 0 || p.lastKnownElr.length > 0) fail(`${where}: ELR ${p.elr} / last known ${p.lastKnownElr} with ELR off`);
      return;
    }
    if (p.elr.length > 0) stats.elrStates++;
    for (const r of p.elr) {
      if (!p.replicas.includes(r)) fail(`${where}: ELR member ${r} is not a replica`);
      if (p.isr.includes(r)) fail(`${where}: ${r} is in both the ISR ${p.isr} and the ELR ${p.elr}`);
    }
    if (new Set([...p.isr, ...p.elr]).size !== p.isr.length + p.elr.length || p.isr.length + p.elr.length > p.replicas.length) {
      fail(`${where}: ISR ${p.isr} and ELR ${p.elr} hold duplicates or more than the ${p.replicas.length} replicas`);
    }
    const minIsr = Math.min(minIsrOf.get(topic) ?? 1, p.replicas.length);
    if (p.elr.length > 0 && p.isr.length >= minIsr) fail(`${where}: ELR ${p.elr} kept with ISR ${p.isr} at min.insync.replicas ${minIsr}`);
    if (p.lastKnownElr.length > 0 && p.leader >= 0) fail(`${where}: last known leader ${p.lastKnownElr} kept with leader ${p.leader}`);
    if (before !== undefined && before !== p) {
      for (const r of p.elr) if (!before.isr.includes(r) && !before.elr.includes(r)) fail(`${where}: ${r} joined the ELR ${p.elr} without having been in the ISR ${before.isr} or ELR ${before.elr}`);
    }
  }

  /** A broker just registered again after an unclean shutdown: the same batch took it out of every ELR. */
  const checkNotInElr = (image: MetadataImage, brokerId: number): void => {
    if (!elrEnabled) return;
    for (const topic of image.topicsById.values()) {
      for (const [partitionId, p] of topic.partitions) if (p.elr.includes(brokerId)) fail(`${topic.name}-${partitionId}: broker ${brokerId} is in the ELR ${p.elr} after an unclean shutdown`);
    }
  };

  const check = (): void => {
    if (failures.length > 0) fail(failures.join('\n'));
  };
  const checkImage = (image: MetadataImage): void => {
    for (const topic of image.topicsById.values()) {
      for (const [partitionId, p] of topic.partitions) checkPartition(image, topic.name, partitionId, `${topic.id}:${partitionId}`, p);
    }
    for (const b of image.brokers.values()) {
      const previousEpoch = brokerEpochs.get(b.id);
      if (previousEpoch !== undefined && b.epoch !== previousEpoch && brokers[b.id - 1]!.sentPreviousEpoch !== previousEpoch) checkNotInElr(image, b.id);
      if (previousEpoch !== undefined && b.epoch < previousEpoch) fail(`broker ${b.id}'s epoch went back from ${previousEpoch} to ${b.epoch}`);
      const registeredAt = quorum.registrationOffset(b.id)!;
      if (previousEpoch !== b.epoch && b.epoch !== registeredAt) fail(`broker ${b.id}: new epoch ${b.epoch} is not the offset ${registeredAt} of its RegisterBrokerRecord`);
      brokerEpochs.set(b.id, b.epoch);
      const last = fenced.get(b.id);
      const wasFenced = last === undefined || last.epoch !== b.epoch || last.fenced;
      if (wasFenced && !b.fenced) {
        stats.unfencings++;
        const reported = brokers[b.id - 1]!.reported.get(b.epoch) ?? -1n;
        if (reported < registeredAt) fail(`broker ${b.id} (epoch ${b.epoch}) was unfenced having reported offset ${reported} < its registration offset ${registeredAt}`);
      }
      if (last !== undefined && last.epoch === b.epoch && !last.fenced && b.fenced) stats.fencings++;
      fenced.set(b.id, { epoch: b.epoch, fenced: b.fenced });
    }
  };

  quorum.onBatchApplied(checkImage);

  const register = (b: Broker): void => {
    const controller = active();
    if (controller === null) return;
    b.inFlight = true;
    b.sentPreviousEpoch = b.cleanShutdownEpoch ?? -1n;
    const request = registration(b.id, incarnation(b.id * 1000 + b.incarnation), { previousBrokerEpoch: b.sentPreviousEpoch });
    const sentIncarnation = b.incarnation;
    controller.registerBroker(request, 3).then(
      (epoch) => {
        b.inFlight = false;
        if (b.alive && b.incarnation === sentIncarnation) b.epoch = epoch;
      },
      (e: unknown) => {
        b.inFlight = false;
        expectError(`registration of broker ${b.id}`)(e);
      },
    );
  };

  const sendHeartbeat = (b: Broker, caughtUp: boolean): void => {
    const controller = active();
    if (controller === null || b.epoch === null) return;
    const image = quorum.image.offset;
    if (caughtUp) b.offset = image;
    else if (b.offset < image) b.offset += BigInt(rng.nextInt(Number(image - b.offset) + 1));
    const epoch = b.epoch;
    b.reported.set(epoch, b.offset > (b.reported.get(epoch) ?? -1n) ? b.offset : b.reported.get(epoch)!);
    b.inFlight = true;
    const sentIncarnation = b.incarnation;
    controller.processBrokerHeartbeat(heartbeat(b.id, epoch, b.offset, { wantFence: b.wantFence, wantShutDown: b.shuttingDown }), time.hiResClockMs() + 1000).then(
      (reply) => {
        b.inFlight = false;
        if (b.incarnation !== sentIncarnation) return;
        if (reply.shouldShutDown) {
          if (!b.shuttingDown && !b.wantFence) failures.push(`broker ${b.id} was told to shut down without asking`);
          b.alive = false;
          // A controlled shutdown: the next incarnation names this epoch (Kafka's clean shutdown file).
          b.cleanShutdownEpoch = b.shuttingDown ? epoch : null;
        }
      },
      (e: unknown) => {
        b.inFlight = false;
        if (e instanceof ApiError && e.code === Errors.STALE_BROKER_EPOCH && b.incarnation === sentIncarnation) b.epoch = null;
        expectError(`heartbeat of broker ${b.id}`)(e);
      },
    );
  };

  const pick = <T>(items: T[]): T | undefined => (items.length === 0 ? undefined : items[rng.nextInt(items.length)]);

  /**
   * A partition leader (sometimes another broker, sometimes with stale epochs) asks for an ISR of itself and a
   * random subset of the other replicas, members named with the broker epochs it knows.
   */
  const alterIsr = (): void => {
    const controller = active();
    const topic = pick([...quorum.image.topicsById.values()]);
    if (controller === null || topic === undefined) return;
    const partitionId = rng.nextInt(topic.partitions.size);
    const p = topic.partitions.get(partitionId)!;
    if (p.leader < 0) return;
    const sender = rng.nextInt(10) === 0 ? pick(brokers)! : brokers[p.leader - 1]!;
    const stale = rng.nextInt(5) === 0 ? 1 : 0;
    const others = p.replicas.filter((r) => r !== p.leader && rng.nextInt(2) === 0);
    const isr = [p.leader, ...others].map((id) => ({ brokerId: id, brokerEpoch: brokers[id - 1]!.epoch ?? -1n }));
    const version = rng.nextInt(4);
    const request = {
      brokerId: sender.id,
      brokerEpoch: sender.epoch ?? -1n,
      topics: [{ topicId: topic.id, topicName: topic.name, partitions: [{ partitionIndex: partitionId, leaderEpoch: p.leaderEpoch - stale, partitionEpoch: p.partitionEpoch - stale, leaderRecoveryState: 0, newIsr: isr.map((b) => b.brokerId), newIsrWithEpochs: isr }] }],
    };
    controller.alterPartition(request, version).then((response) => {
      const answer = response.topics![0]!.partitions![0]!;
      if (!ALTER_PARTITION_ERRORS.has(answer.errorCode!)) failures.push(`AlterPartition of ${topic.name}-${partitionId}: unexpected error ${answer.errorCode}`);
      if (answer.errorCode === Errors.NONE) {
        stats.isrChanges++;
        if (sender.id !== p.leader || stale !== 0) failures.push(`AlterPartition of ${topic.name}-${partitionId} from ${sender.id} with stale=${stale} accepted`);
        if (JSON.stringify(answer.isr) !== JSON.stringify(isr.map((b) => b.brokerId))) failures.push(`AlterPartition of ${topic.name}-${partitionId} answered ISR ${answer.isr}, asked ${isr.map((b) => b.brokerId)}`);
      }
    }, expectError('alterPartition'));
  };

  for (step = 1; step <= steps; step++) {
    const roll = rng.nextInt(114);
    if (roll >= 110) {
      // An admin's preferred leader election of every partition (ElectLeaders).
      active()?.electLeaders({ electionType: 0, topicPartitions: null, timeoutMs: 60_000 }).catch(expectError('electLeaders'));
    } else if (roll >= 100) {
      alterIsr();
    } else if (roll < 30) {
      const b = pick(brokers.filter((x) => x.alive && !x.inFlight));
      if (b !== undefined) {
        if (b.epoch === null) register(b);
        else sendHeartbeat(b, false);
      }
    } else if (roll < 55) {
      quorum.commit();
    } else if (roll < 65) {
      time.sleep(1 + rng.nextInt(2500));
      for (const c of controllers.values()) c.poll();
    } else if (roll < 70) {
      const b = pick(brokers.filter((x) => x.alive));
      if (b !== undefined) Object.assign(b, { alive: false, cleanShutdownEpoch: null });
    } else if (roll < 76) {
      const b = pick(brokers.filter((x) => !x.alive));
      if (b !== undefined) {
        Object.assign(b, { alive: true, incarnation: b.incarnation + 1, epoch: null, shuttingDown: false, wantFence: false });
        b.offset = quorum.image.offset - BigInt(rng.nextInt(Number(quorum.image.offset) + 1));
      }
    } else if (roll < 79) {
      const b = pick(brokers.filter((x) => x.alive && x.epoch !== null));
      if (b !== undefined) b.shuttingDown = true;
    } else if (roll < 82) {
      const b = pick(brokers.filter((x) => x.alive));
      if (b !== undefined) b.wantFence = !b.wantFence;
    } else if (roll < 86) {
      const next = pick([...CONTROLLER_IDS, null]);
      quorum.changeLeader(next ?? null, rng.nextInt(2) === 0);
      stats.leaderChanges++;
    } else if (roll < 95) {
      const controller = active();
      const rf = 1 + rng.nextInt(3);
      const configs = rng.nextInt(5) === 0 ? [{ name: 'unclean.leader.election.enable', value: 'true' }] : [];
      if (configs.length > 0) uncleanTopics.add(`t${step}`);
      if (rng.nextInt(3) !== 0) {
        const minIsr = 1 + rng.nextInt(3);
        configs.push({ name: 'min.insync.replicas', value: String(minIsr) });
        minIsrOf.set(`t${step}`, minIsr);
      }
      controller?.createTopics([{ name: `t${step}`, numPartitions: 1 + rng.nextInt(4), replicationFactor: rf, assignments: [], configs }], false).catch(expectError('createTopics'));
    } else if (roll < 97) {
      const b = pick(brokers.filter((x) => !x.alive));
      if (b !== undefined) active()?.unregisterBroker(b.id).catch(expectError('unregisterBroker'));
    } else {
      for (const b of brokers.filter((x) => x.alive && !x.inFlight && x.epoch !== null)) sendHeartbeat(b, false);
    }
    await settle();
    check();
  }

  // Calm: a leader, live brokers heartbeating caught up without flags, the clock moving. Live brokers end
  // registered and unfenced; the registrations of dead ones end fenced; every partition with a live ISR member
  // has a leader.
  if (quorum.leader?.leaderId === null || quorum.leader === null) quorum.changeLeader(1, true);
  for (const b of brokers) b.wantFence = false;
  for (let round = 0; round < 40; round++) {
    for (const b of brokers.filter((x) => x.alive && !x.inFlight)) {
      if (b.epoch === null) register(b);
      else sendHeartbeat(b, true);
    }
    for (let i = 0; i < 4; i++) {
      quorum.commit();
      await settle();
    }
    time.sleep(500);
    for (const c of controllers.values()) c.poll();
    await settle();
    quorum.commit();
    await settle();
    check();
  }
  const image = quorum.image;
  for (const b of brokers) {
    const registration = image.brokers.get(b.id);
    if (b.alive && !b.shuttingDown && (registration === undefined || registration.fenced)) fail(`live broker ${b.id} is ${registration === undefined ? 'not registered' : 'fenced'} after the calm phase`);
    if (!b.alive && registration !== undefined && !registration.fenced) fail(`dead broker ${b.id} is still unfenced after the calm phase`);
  }
  for (const topic of image.topicsById.values()) {
    for (const [partitionId, p] of topic.partitions) {
      const isLive = (r: number) => image.brokers.get(r)?.fenced === false && image.brokers.get(r)?.inControlledShutdown === false;
      const live = p.isr.some(isLive) || (p.isr.length === 0 && p.elr.some(isLive));
      if (live && p.leader < 0) fail(`${topic.name}-${partitionId} has live ISR members ${p.isr} (ELR ${p.elr}) but no leader`);
    }
  }
  return { seed, steps, ...stats };
}
