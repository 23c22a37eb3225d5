import type { NodeEndpoint } from '../network/network-client.ts';
import type { KafkaRaftClient } from '../raft/kafka-raft-client.ts';

/**
 * Where the active controller is, after Kafka's `RaftControllerNodeProvider`: the leader of the metadata quorum
 * (as the raft client knows it) reached on the first controller listener, at the address the voter set gives for
 * it (controller.quorum.voters, or the voters record of a dynamic quorum). For this node's own controller the
 * listener's bound address is used, so a listener configured with port 0 (tests) is found.
 */
export class ControllerNodeProvider {
  readonly #raft: KafkaRaftClient;
  readonly #listenerName: string;
  readonly #local: () => NodeEndpoint | null;

  /**
   * @param local this node's own controller listener address, or null when it has no controller role (or it is
   *   not bound yet).
   */
  constructor(raft: KafkaRaftClient, listenerName: string, local: () => NodeEndpoint | null) {
    this.#raft = raft;
    this.#listenerName = listenerName;
    this.#local = local;
  }

  /** The active controller's endpoint, or null when no leader is known (an election is running). */
  activeController(): NodeEndpoint | null {
    const leaderId = this.#raft.leaderAndEpoch.leaderId;
    if (leaderId === null) return null;
    const local = this.#local();
    if (local !== null && local.nodeId === leaderId) return local;
    const node = this.#raft.latestVoters().voters.raftNode(leaderId, this.#listenerName);
    return node === undefined ? null : { nodeId: node.id, host: node.host, port: node.port };
  }
}
