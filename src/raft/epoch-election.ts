import type { ReplicaKey } from './replica-key.ts';

type VoteState = 'UNRECORDED' | 'GRANTED' | 'REJECTED';

/**
 * The votes of one election (Kafka's `EpochElection`), for a Prospective (pre-vote) or a Candidate: each voter's
 * answer so far. Granted once a majority granted; rejected once a majority can no longer grant.
 */
export class EpochElection {
  readonly #voters = new Map<number, { key: ReplicaKey; state: VoteState }>();

  constructor(voters: Iterable<ReplicaKey>) {
    for (const key of voters) this.#voters.set(key.id, { key, state: 'UNRECORDED' });
  }

  /**
   * Records voter `voterId`'s answer.
   * @returns true when it had not answered before.
   * @throws Error for a non-voter.
   */
  recordVote(voterId: number, granted: boolean): boolean {
    const v = this.#get(voterId);
    const first = v.state === 'UNRECORDED';
    v.state = granted ? 'GRANTED' : 'REJECTED';
    return first;
  }

  isGrantedVoter(voterId: number): boolean {
    return this.#get(voterId).state === 'GRANTED';
  }

  isRejectedVoter(voterId: number): boolean {
    return this.#get(voterId).state === 'REJECTED';
  }

  voterIds(): Set<number> {
    return new Set(this.#voters.keys());
  }

  get majoritySize(): number {
    return Math.floor(this.#voters.size / 2) + 1;
  }

  isVoteGranted(): boolean {
    return this.#count('GRANTED') >= this.majoritySize;
  }

  isVoteRejected(): boolean {
    return this.#count('GRANTED') + this.#count('UNRECORDED') < this.majoritySize;
  }

  unrecordedVoters(): ReplicaKey[] {
    return this.#of('UNRECORDED');
  }

  grantingVoters(): Set<number> {
    return new Set(this.#of('GRANTED').map((k) => k.id));
  }

  rejectingVoters(): Set<number> {
    return new Set(this.#of('REJECTED').map((k) => k.id));
  }

  #get(voterId: number): { key: ReplicaKey; state: VoteState } {
    const v = this.#voters.get(voterId);
    if (v === undefined) throw new Error(`Attempt to access voter state of non-voter ${voterId}`);
    return v;
  }

  #of(state: VoteState): ReplicaKey[] {
    return [...this.#voters.values()].filter((v) => v.state === state).map((v) => v.key);
  }

  #count(state: VoteState): number {
    let n = 0;
    for (const v of this.#voters.values()) if (v.state === state) n++;
    return n;
  }

  toString(): string {
    return `EpochElection(granted=${[...this.grantingVoters()]}, rejected=${[...this.rejectingVoters()]}, unrecorded=${this.unrecordedVoters().map((k) => k.id)})`;
  }
}
