import type { Logger } from '../observability/logger.ts';
import type { Time } from '../common/time.ts';
import { BrokerHeartbeatTracker } from './broker-heartbeat-tracker.ts';

/**
 * The states a broker is in as the controller sees it (Kafka's `BrokerControlState`): whether the heartbeat
 * response says fenced and shouldShutDown, and whether the registration is in controlled shutdown.
 *
 * | state               | isFenced | shouldShutDown | registration          |
 * |---------------------|----------|----------------|-----------------------|
 * | FENCED              | true     | false          | fenced                |
 * | UNFENCED            | false    | false          | unfenced              |
 * | CONTROLLED_SHUTDOWN | false    | false          | inControlledShutdown  |
 * | SHUTDOWN_NOW        | true     | true           | fenced                |
 */
export const BrokerControlState = {
  FENCED: 'FENCED',
  UNFENCED: 'UNFENCED',
  CONTROLLED_SHUTDOWN: 'CONTROLLED_SHUTDOWN',
  SHUTDOWN_NOW: 'SHUTDOWN_NOW',
} as const;
export type BrokerControlState = (typeof BrokerControlState)[keyof typeof BrokerControlState];

/** Whether a heartbeat answered in `state` says the broker is fenced. */
export function isFencedState(state: BrokerControlState): boolean {
  return state === 'FENCED' || state === 'SHUTDOWN_NOW';
}

/** What a heartbeat asks for (BrokerHeartbeatRequest fields the state machine reads). */
export interface HeartbeatIntent {
  /** The offset of the newest metadata the broker has applied. */
  readonly currentMetadataOffset: bigint;
  readonly wantFence: boolean;
  readonly wantShutDown: boolean;
}

/** The soft state the active controller keeps per registered broker (Kafka's BrokerHeartbeatState). */
interface BrokerHeartbeatState {
  readonly id: number;
  fenced: boolean;
  /** The metadata offset the broker reported last; -1 when unknown. */
  metadataOffset: bigint;
  /** The offset of the batch that put the broker in controlled shutdown; -1 when it is not shutting down. */
  controlledShutdownOffset: bigint;
}

const NONE = -1n;

/**
 * The broker side of the active controller's soft state, after Kafka's `BrokerHeartbeatManager`: sessions (a
 * {@link BrokerHeartbeatTracker}), each broker's fencing and controlled shutdown state, and the metadata offsets
 * the unfenced brokers last reported. Built from the registrations when a node becomes the active controller and
 * dropped when it stops being it; nothing of it is in the metadata log.
 *
 * The state machine of a heartbeat ({@link calculateNextBrokerState}, Kafka's calculateNextBrokerState):
 *
 * | current             | heartbeat                                     | next                |
 * |---------------------|-----------------------------------------------|---------------------|
 * | FENCED              | wantShutDown                                  | SHUTDOWN_NOW        |
 * | FENCED              | !wantFence, offset >= registration offset     | UNFENCED            |
 * | FENCED              | otherwise                                     | FENCED              |
 * | UNFENCED            | wantFence, wantShutDown                       | SHUTDOWN_NOW        |
 * | UNFENCED            | wantFence                                     | FENCED              |
 * | UNFENCED            | wantShutDown, leads partitions                | CONTROLLED_SHUTDOWN |
 * | UNFENCED            | wantShutDown, leads none                      | SHUTDOWN_NOW        |
 * | UNFENCED            | otherwise                                     | UNFENCED            |
 * | CONTROLLED_SHUTDOWN | leads partitions                              | CONTROLLED_SHUTDOWN |
 * | CONTROLLED_SHUTDOWN | leads none, shutdown offset <= lowest active  | SHUTDOWN_NOW        |
 * | CONTROLLED_SHUTDOWN | otherwise                                     | CONTROLLED_SHUTDOWN |
 *
 * "lowest active" is the smallest metadata offset reported by the unfenced brokers that are not shutting down
 * (unbounded when there are none): a broker leaves only once every active broker has seen the batch that moved
 * its leaderships away.
 */
export class BrokerHeartbeatManager {
  readonly tracker: BrokerHeartbeatTracker;
  readonly #logger: Logger;
  readonly #brokers = new Map<number, BrokerHeartbeatState>();
  /** Unfenced brokers that are not shutting down (Kafka keeps them sorted by metadata offset). */
  readonly #active = new Set<BrokerHeartbeatState>();

  /** @param sessionTimeoutMs broker.session.timeout.ms. */
  constructor(time: Time, sessionTimeoutMs: number, logger: Logger) {
    this.tracker = new BrokerHeartbeatTracker(time, sessionTimeoutMs);
    this.#logger = logger;
  }

  /** Ids of the brokers tracked. */
  brokerIds(): IterableIterator<number> {
    return this.#brokers.keys();
  }

  /** Whether `brokerId` is fenced in this soft state, or undefined when it is not tracked. */
  isFenced(brokerId: number): boolean | undefined {
    return this.#brokers.get(brokerId)?.fenced;
  }

  /** Whether `brokerId` is in controlled shutdown here (its shutdown offset is known). */
  isShuttingDown(brokerId: number): boolean {
    const b = this.#brokers.get(brokerId);
    return b !== undefined && b.controlledShutdownOffset >= 0n;
  }

  /** The offset of the batch that put `brokerId` in controlled shutdown, or null. */
  controlledShutdownOffset(brokerId: number): bigint | null {
    const b = this.#brokers.get(brokerId);
    return b === undefined || b.controlledShutdownOffset < 0n ? null : b.controlledShutdownOffset;
  }

  /** The metadata offset `brokerId` reported last (-1 when unknown), or null when not tracked. */
  metadataOffset(brokerId: number): bigint | null {
    return this.#brokers.get(brokerId)?.metadataOffset ?? null;
  }

  /** Marks `brokerId` fenced (its session expired). */
  fence(brokerId: number): void {
    const b = this.#brokers.get(brokerId);
    if (b === undefined) return;
    b.fenced = true;
    this.#active.delete(b);
  }

  /** Forgets `brokerId` (unregistered, or registered again as a new incarnation). */
  remove(brokerId: number): void {
    const b = this.#brokers.get(brokerId);
    if (b === undefined) return;
    this.#brokers.delete(brokerId);
    this.#active.delete(b);
  }

  /** Whether `(brokerId, brokerEpoch)` had contact within the session timeout. */
  hasValidSession(brokerId: number, brokerEpoch: bigint): boolean {
    return this.tracker.hasValidSession({ id: brokerId, epoch: brokerEpoch });
  }

  /**
   * Tracks a registration or a change of its fencing (Kafka's register, called as each registration record is
   * applied). The reported metadata offset survives only a change of the fenced flag (Kafka's rule).
   */
  register(brokerId: number, fenced: boolean): void {
    let b = this.#brokers.get(brokerId);
    let metadataOffset = NONE;
    if (b === undefined) {
      b = { id: brokerId, fenced, metadataOffset: NONE, controlledShutdownOffset: NONE };
      this.#brokers.set(brokerId, b);
    } else if (b.fenced !== fenced) {
      metadataOffset = b.metadataOffset;
    }
    this.touch(brokerId, fenced, metadataOffset);
  }

  /**
   * Records a broker's fencing and reported metadata offset after a heartbeat (Kafka's touch). Fencing ends a
   * controlled shutdown.
   * @throws Error when the broker is not tracked.
   */
  touch(brokerId: number, fenced: boolean, metadataOffset: bigint): void {
    const b = this.#stateOrThrow(brokerId);
    b.fenced = fenced;
    b.metadataOffset = metadataOffset;
    if (fenced) b.controlledShutdownOffset = NONE;
    if (!fenced && b.controlledShutdownOffset < 0n) this.#active.add(b);
    else this.#active.delete(b);
  }

  /** The smallest metadata offset of the active brokers; null (unbounded) when there are none. */
  lowestActiveOffset(): bigint | null {
    let lowest: bigint | null = null;
    for (const b of this.#active) if (lowest === null || b.metadataOffset < lowest) lowest = b.metadataOffset;
    return lowest;
  }

  /**
   * Records the offset of the batch that put `brokerId` in controlled shutdown (the first one only).
   * @throws Error for a fenced broker (Kafka: "Fenced brokers cannot enter controlled shutdown.").
   */
  maybeUpdateControlledShutdownOffset(brokerId: number, offset: bigint): void {
    const b = this.#stateOrThrow(brokerId);
    if (b.fenced) throw new Error('Fenced brokers cannot enter controlled shutdown.');
    this.#active.delete(b);
    if (b.controlledShutdownOffset < 0n) {
      b.controlledShutdownOffset = offset;
      this.#logger.debug({ brokerId, controlledShutdownOffset: String(offset) }, 'Updated the controlled shutdown offset');
    }
  }

  /** The state a heartbeat finds the broker in. @throws Error when the broker is not tracked. */
  currentBrokerState(brokerId: number): BrokerControlState {
    const b = this.#stateOrThrow(brokerId);
    if (b.controlledShutdownOffset >= 0n) return BrokerControlState.CONTROLLED_SHUTDOWN;
    return b.fenced ? BrokerControlState.FENCED : BrokerControlState.UNFENCED;
  }

  /**
   * The broker's next state given its heartbeat (see the class table); changes nothing.
   * @param registerBrokerRecordOffset the offset of the broker's RegisterBrokerRecord: it is unfenced only once it
   *   has applied it.
   * @param hasLeaderships whether the broker leads any partition now.
   * @throws Error when the broker is not tracked.
   */
  calculateNextBrokerState(
    brokerId: number,
    request: HeartbeatIntent,
    registerBrokerRecordOffset: bigint,
    hasLeaderships: () => boolean,
  ): { current: BrokerControlState; next: BrokerControlState } {
    const b = this.#stateOrThrow(brokerId);
    const current = this.currentBrokerState(brokerId);
    const to = (next: BrokerControlState, message: string | null = null) => {
      if (message !== null) this.#logger.info({ brokerId }, message);
      return { current, next };
    };
    switch (current) {
      case 'FENCED':
        if (request.wantShutDown) return to('SHUTDOWN_NOW', 'Fenced broker has requested and been granted an immediate shutdown');
        if (request.wantFence) return to('FENCED');
        if (request.currentMetadataOffset >= registerBrokerRecordOffset) {
          return to('UNFENCED', `The request to unfence has been granted: the broker has caught up with the offset of its registration record ${registerBrokerRecordOffset}`);
        }
        return to('FENCED');
      case 'UNFENCED':
        if (request.wantFence) {
          return request.wantShutDown
            ? to('SHUTDOWN_NOW', 'Unfenced broker has requested and been granted an immediate shutdown')
            : to('FENCED', 'Unfenced broker has requested and been granted fencing');
        }
        if (!request.wantShutDown) return to('UNFENCED');
        return hasLeaderships()
          ? to('CONTROLLED_SHUTDOWN', 'Unfenced broker has requested and been granted a controlled shutdown')
          : to('SHUTDOWN_NOW', 'Unfenced broker has requested and been granted an immediate shutdown');
      case 'CONTROLLED_SHUTDOWN': {
        if (hasLeaderships()) return to('CONTROLLED_SHUTDOWN');
        const lowest = this.lowestActiveOffset();
        if (lowest === null || b.controlledShutdownOffset <= lowest) {
          return to('SHUTDOWN_NOW', `The request to shut down has been granted: every active broker has reached the controlled shutdown offset ${b.controlledShutdownOffset}`);
        }
        return to('CONTROLLED_SHUTDOWN');
      }
      default:
        return to('SHUTDOWN_NOW');
    }
  }

  #stateOrThrow(brokerId: number): BrokerHeartbeatState {
    const b = this.#brokers.get(brokerId);
    if (b === undefined) throw new Error(`Broker ${brokerId} is not registered.`);
    return b;
  }
}
