import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { NetworkClient } from '../network/network-client.ts';
import { RequestTimeoutError, UnsupportedVersionError } from '../network/network-client-errors.ts';
import type { NetworkChannel, RaftRequestOutbound, RaftResponseData } from '../raft/network-channel.ts';
import type { VoteRequest } from '../protocol/generated/messages/vote-request.ts';
import { minimumVoteVersion } from '../raft/vote-messages.ts';

/**
 * The raft client's requests over the Kafka wire (Kafka's `KafkaNetworkChannel`): each goes to the destination's
 * controller listener through a {@link NetworkClient} at the version the raft client wrote its body for, and its
 * response body comes back. A failure becomes a rejection with the error code Kafka's channel reports for it:
 * UNSUPPORTED_VERSION (35) when the body cannot be written at a version both sides have, REQUEST_TIMED_OUT (7)
 * for a timeout, BROKER_NOT_AVAILABLE (8) for a refused or lost connection.
 *
 * Vote goes at the newest version both sides have, from the lowest that can carry the body: a pre-vote (KIP-996)
 * needs v2, so against a peer that only has v0-1 it fails with UNSUPPORTED_VERSION before anything is sent, as
 * Kafka's client does, and the prospective replica then runs a real election (KIP-996's fallback); a real vote
 * goes at v2, or v0-1 to such a peer.
 */
export class KafkaNetworkChannel implements NetworkChannel {
  readonly listenerName: string;
  readonly #client: NetworkClient;

  /** @param client a client of its own (Kafka gives the raft manager one), closed by the caller. */
  constructor(client: NetworkClient, listenerName: string) {
    this.#client = client;
    this.listenerName = listenerName;
  }

  async send(request: RaftRequestOutbound): Promise<RaftResponseData> {
    const { destination, apiKey } = request;
    // ApiVersions (KIP-853: the leader asks a voter it is adding) goes at the newest common version; Vote at the
    // newest common one that can carry the body (its v0-2 differ only in PreVote); the other quorum APIs at the
    // version their body was written for.
    const version =
      apiKey === ApiKeys.ApiVersions
        ? {}
        : apiKey === ApiKeys.Vote
          ? { min: minimumVoteVersion(request.data as VoteRequest), max: request.apiVersion }
          : request.apiVersion;
    try {
      const response = await this.#client.send<RaftResponseData>(
        { nodeId: destination.id, host: destination.host, port: destination.port },
        apiKey,
        version,
        request.data as object,
        { timeoutMs: request.timeoutMs },
      );
      return response.body;
    } catch (e) {
      throw withErrorCode(e instanceof Error ? e : new Error(String(e)), errorCodeOf(e));
    }
  }
}

function errorCodeOf(e: unknown): number {
  if (e instanceof UnsupportedVersionError) return Errors.UNSUPPORTED_VERSION;
  if (e instanceof RequestTimeoutError) return Errors.REQUEST_TIMED_OUT;
  return Errors.BROKER_NOT_AVAILABLE;
}

function withErrorCode(e: Error, errorCode: number): Error & { errorCode: number } {
  return Object.assign(e, { errorCode });
}
