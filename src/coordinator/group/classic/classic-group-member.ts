import type { Input } from '../../../protocol/message-input.ts';
import type { JoinGroupResponse } from '../../../protocol/generated/messages/join-group-response.ts';
import type { SyncGroupResponse } from '../../../protocol/generated/messages/sync-group-response.ts';
import type { DescribedGroupMember } from '../../../protocol/generated/messages/describe-groups-response.ts';

/** One protocol a classic member supports (JoinGroupRequestProtocol): name and its opaque metadata. */
export interface ClassicProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export type JoinGroupResult = Input<JoinGroupResponse>;
export type SyncGroupResult = Input<SyncGroupResponse>;

const EMPTY = Buffer.alloc(0);

/**
 * A member of a classic group, after Kafka's `ClassicGroupMember`: its identity, timeouts, the protocols it
 * supports (in its order of preference), its assignment, and the parked JoinGroup / SyncGroup requests
 * waiting for the rebalance to progress (`awaitingJoin` / `awaitingSync` complete them).
 */
export class ClassicGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly protocolType: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  supportedProtocols: readonly ClassicProtocol[];
  assignment: Buffer;
  awaitingJoin: ((response: JoinGroupResult) => void) | null = null;
  awaitingSync: ((response: SyncGroupResult) => void) | null = null;
  /** A member added by the current rebalance: it may expire while still awaiting its join response. */
  isNew = false;

  constructor(init: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    rebalanceTimeoutMs: number;
    sessionTimeoutMs: number;
    protocolType: string;
    supportedProtocols: readonly ClassicProtocol[];
    assignment?: Buffer;
  }) {
    this.memberId = init.memberId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.protocolType = init.protocolType;
    this.supportedProtocols = init.supportedProtocols;
    this.assignment = init.assignment ?? EMPTY;
  }

  get isStaticMember(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /**
   * Whether an expired session timer may be ignored: members parked in a join or sync are alive by
   * definition, except new members (they may time out while awaiting their first join response).
   */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.isAwaitingJoin || this.isAwaitingSync;
  }

  /** Metadata of the given protocol, empty if the member does not support it. */
  metadata(protocolName: string | null): Buffer {
    const p = this.supportedProtocols.find((x) => x.name === protocolName);
    return p?.metadata ?? EMPTY;
  }

  /** Whether `protocols` equals the member's (same names, metadata and order): a rejoin without change. */
  matches(protocols: readonly ClassicProtocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every((p, i) => p.name === this.supportedProtocols[i]!.name && p.metadata.equals(this.supportedProtocols[i]!.metadata));
  }

  /** The member's first protocol (in its preference order) among `candidates`. @throws Error if none. */
  vote(candidates: ReadonlySet<string>): string {
    for (const p of this.supportedProtocols) if (candidates.has(p.name)) return p.name;
    throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
  }

  /** DescribeGroups entry with the metadata of the selected protocol and the assignment (Stable groups). */
  describe(protocolName: string): Input<DescribedGroupMember> {
    return {
      memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
      clientId: this.clientId,
      clientHost: this.clientHost,
      memberMetadata: this.metadata(protocolName),
      memberAssignment: this.assignment,
    };
  }

  /** DescribeGroups entry without metadata or assignment (groups that are not Stable). */
  describeNoMetadata(): Input<DescribedGroupMember> {
    return { memberId: this.memberId, groupInstanceId: this.groupInstanceId, clientId: this.clientId, clientHost: this.clientHost, memberMetadata: EMPTY, memberAssignment: EMPTY };
  }
}
