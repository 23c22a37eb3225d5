import { Errors } from '../protocol/generated/errors.ts';
import type { AddRaftVoterResponse } from '../protocol/generated/messages/add-raft-voter-response.ts';
import type { RemoveRaftVoterResponse } from '../protocol/generated/messages/remove-raft-voter-response.ts';
import { RaftTimer } from './raft-timer.ts';
import type { ReplicaKey } from './replica-key.ts';
import type { HostAndPort } from './voter-set.ts';

/** An AddRaftVoter/RemoveRaftVoter answer (both carry the same fields). */
export function voterChangeResponse(errorCode: number, errorMessage: string | null = null): AddRaftVoterResponse & RemoveRaftVoterResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage };
}

/**
 * An AddRaftVoter the leader is working on (Kafka's AddVoterHandlerState): first it waits for the new voter's
 * ApiVersions answer (is it reachable, does it support the kraft.version, has it caught up), then for the commit
 * of the Voters record that adds it (`lastOffset` set).
 */
export class AddVoterHandlerState {
  readonly voterKey: ReplicaKey;
  readonly voterEndpoints: ReadonlyMap<string, HostAndPort>;
  readonly ackWhenCommitted: boolean;
  readonly #timer: RaftTimer;
  readonly #respond: (response: AddRaftVoterResponse) => void;
  #responded = false;
  #lastOffset: bigint | null = null;

  constructor(voterKey: ReplicaKey, voterEndpoints: ReadonlyMap<string, HostAndPort>, ackWhenCommitted: boolean, nowMs: number, timeoutMs: number, respond: (response: AddRaftVoterResponse) => void) {
    this.voterKey = voterKey;
    this.voterEndpoints = voterEndpoints;
    this.ackWhenCommitted = ackWhenCommitted;
    this.#timer = new RaftTimer(nowMs, timeoutMs);
    this.#respond = respond;
  }

  timeUntilOperationExpiration(nowMs: number): number {
    return this.#timer.remainingMs(nowMs);
  }

  /** The ApiVersions answer of replica `replicaId` is the one this operation waits for. */
  expectingApiResponse(replicaId: number): boolean {
    return this.#lastOffset === null && replicaId === this.voterKey.id;
  }

  get lastOffset(): bigint | null {
    return this.#lastOffset;
  }

  /** The offset of the Voters record that adds the voter. @throws Error when already set. */
  setLastOffset(offset: bigint): void {
    if (this.#lastOffset !== null) throw new Error(`Cannot override last offset to ${offset} for adding voter ${this.voterKey.id} because it is already set to ${this.#lastOffset}`);
    this.#lastOffset = offset;
  }

  /** Answers the request (once: later answers are ignored). */
  complete(response: AddRaftVoterResponse): void {
    if (this.#responded) return;
    this.#responded = true;
    this.#respond(response);
  }
}

/** A RemoveRaftVoter the leader is working on (Kafka's RemoveVoterHandlerState): waits for its Voters record's commit. */
export class RemoveVoterHandlerState {
  readonly lastOffset: bigint;
  readonly #timer: RaftTimer;
  readonly #respond: (response: RemoveRaftVoterResponse) => void;
  #responded = false;

  constructor(lastOffset: bigint, nowMs: number, timeoutMs: number, respond: (response: RemoveRaftVoterResponse) => void) {
    this.lastOffset = lastOffset;
    this.#timer = new RaftTimer(nowMs, timeoutMs);
    this.#respond = respond;
  }

  timeUntilOperationExpiration(nowMs: number): number {
    return this.#timer.remainingMs(nowMs);
  }

  complete(response: RemoveRaftVoterResponse): void {
    if (this.#responded) return;
    this.#responded = true;
    this.#respond(response);
  }
}

/**
 * The one voter change a leader works on at a time (Kafka's ChangeVoterHandlerState): an add or a remove, each
 * answered with REQUEST_TIMED_OUT when it outlives its timeout, NOT_LEADER_OR_FOLLOWER when the leadership ends,
 * NONE when its Voters record commits. Raft's single-server membership changes are safe only one at a time.
 */
export class ChangeVoterHandlerState {
  #add: AddVoterHandlerState | null = null;
  #remove: RemoveVoterHandlerState | null = null;

  get addVoterHandlerState(): AddVoterHandlerState | null {
    return this.#add;
  }

  get removeVoterHandlerState(): RemoveVoterHandlerState | null {
    return this.#remove;
  }

  /** Answers the pending add (if any) with `errorCode` and replaces it with `next`. */
  resetAddVoterHandlerState(errorCode: number, message: string | null, next: AddVoterHandlerState | null): void {
    if (next !== null && this.#remove !== null) throw new Error('Cannot set add voter handler state when remove voter handler state is already present');
    this.#add?.complete(voterChangeResponse(errorCode, message));
    this.#add = next;
  }

  /** Answers the pending remove (if any) with `errorCode` and replaces it with `next`. */
  resetRemoveVoterHandlerState(errorCode: number, message: string | null, next: RemoveVoterHandlerState | null): void {
    if (next !== null && this.#add !== null) throw new Error('Cannot set remove voter handler state when add voter handler state is already present');
    this.#remove?.complete(voterChangeResponse(errorCode, message));
    this.#remove = next;
  }

  /** Times out an expired operation. @returns ms until the pending one expires (Infinity when none). */
  maybeExpirePendingOperation(nowMs: number): number {
    if (this.#add !== null && this.#add.timeUntilOperationExpiration(nowMs) === 0) this.resetAddVoterHandlerState(Errors.REQUEST_TIMED_OUT, null, null);
    if (this.#remove !== null && this.#remove.timeUntilOperationExpiration(nowMs) === 0) this.resetRemoveVoterHandlerState(Errors.REQUEST_TIMED_OUT, null, null);
    return Math.min(this.#add?.timeUntilOperationExpiration(nowMs) ?? Infinity, this.#remove?.timeUntilOperationExpiration(nowMs) ?? Infinity);
  }

  /** The leadership ended: the pending operation is answered with `errorCode`. */
  maybeResetPendingVoterHandlerState(errorCode: number): void {
    this.resetAddVoterHandlerState(errorCode, null, null);
    this.resetRemoveVoterHandlerState(errorCode, null, null);
  }

  isOperationPending(nowMs: number): boolean {
    this.maybeExpirePendingOperation(nowMs);
    return this.#add !== null || this.#remove !== null;
  }
}
