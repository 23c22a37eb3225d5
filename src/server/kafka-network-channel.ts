import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { NetworkClient } from '../network/network-client.ts';
import { RequestTimeoutError, UnsupportedVersionError } from '../network/network-client-errors.ts';
import type { NetworkChannel, RaftRequestOutbound, RaftResponseData } from '../raft/network-channel.ts';
import type { VoteRequest } from '../protocol/generated/messages/vote-request.ts';
import { minimumVoteVersion } from '../raft/vote-messages.ts';

/** The newest Vote version our protocol definitions have (v2, with PreVote, is Kafka 4.0's: KIP-996). */
const MAX_VOTE_VERSION = 1;

/**
 * The raft client's requests over the Kafka wire (Kafka's `KafkaNetworkChannel`): each goes to the destination's
 * controller listener through a {@link NetworkClient} at the version the raft client wrote its body for, and its
 * response body comes back. A failure becomes a rejection with the error code Kafka's channel reports for it:
 * UNSUPPORTED_VERSION (35) when the body cannot be written at a version both sides have, REQUEST_TIMED_OUT (7)
 * for a timeout, BROKER_NOT_AVAILABLE (8) for a refused or lost connection.
 *
 * A pre-vote (KIP-996) needs Vote v2, which our generated codec does not have yet: it fails at once with
 * UNSUPPORTED_VERSION, as Kafka's client does against a peer without v2, and the prospective replica then runs a
 * real election (KIP-996's fallback).
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
    if (apiKey === ApiKeys.Vote && minimumVoteVersion(request.data as VoteRequest) > MAX_VOTE_VERSION) {
      throw withErrorCode(new Error(`Vote v${minimumVoteVersion(request.data as VoteRequest)} is needed for a pre-vote; this node's protocol stops at v${MAX_VOTE_VERSION}`), Errors.UNSUPPORTED_VERSION);
    }
    // ApiVersions (KIP-853: the leader asks a voter it is adding) goes at the newest common version; the quorum's
    // own APIs at the version their body was written for.
    const version = apiKey === ApiKeys.ApiVersions ? {} : request.apiVersion;
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
