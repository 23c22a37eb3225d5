import { pino } from 'pino';
import { SystemTime, type Time } from '../common/time.ts';
import { NetworkClient, type NodeEndpoint } from '../network/network-client.ts';
import { DisconnectException, RequestTimeoutError } from '../network/network-client-errors.ts';
import { API_KEY_NAMES, ApiKeys } from '../protocol/generated/api-keys.ts';
import { ERROR_INFO, Errors } from '../protocol/generated/errors.ts';
import type { AddRaftVoterResponse } from '../protocol/generated/messages/add-raft-voter-response.ts';
import type { DescribeClusterResponse } from '../protocol/generated/messages/describe-cluster-response.ts';
import type { DescribeQuorumResponse } from '../protocol/generated/messages/describe-quorum-response.ts';
import type { RemoveRaftVoterResponse } from '../protocol/generated/messages/remove-raft-voter-response.ts';
import type { QuorumEndpoint, QuorumInfo } from './quorum-describe-format.ts';

/** The metadata log's topic and partition (Kafka's Topic.CLUSTER_METADATA_TOPIC_PARTITION). */
const METADATA_TOPIC = '__cluster_metadata';
const METADATA_PARTITION = 0;
/** Kafka's EndpointType ids (KIP-919). */
const BROKER_ENDPOINT = 1;
const CONTROLLER_ENDPOINT = 2;
/** Wait before a retry (Kafka's retry.backoff.ms). */
const RETRY_BACKOFF_MS = 100;

/** A host:port of --bootstrap-server or --bootstrap-controller. */
export interface BootstrapAddress {
  readonly host: string;
  readonly port: number;
}

/** Where the admin requests go: any broker (which forwards to the active controller), or the controllers (KIP-919). */
export interface QuorumAdminTarget {
  readonly kind: 'brokers' | 'controllers';
  readonly addresses: readonly BootstrapAddress[];
}

/** A Kafka error answered to an admin request: `message` is "<ERROR_NAME>: <the server's message>". */
export class QuorumAdminError extends Error {
  readonly code: number;

  constructor(code: number, serverMessage: string | null) {
    const info = ERROR_INFO[code];
    super(`${info?.name ?? `error ${code}`}: ${serverMessage ?? info?.message ?? 'unknown error'}`);
    this.name = 'QuorumAdminError';
    this.code = code;
  }
}

/** What one attempt of a request concluded: the answer, or a retriable error to retry after a backoff. */
type Attempt<T> = { readonly done: T } | { readonly retry: Error };

/**
 * The admin calls of `kafka-broker metadata-quorum` (those Kafka's tool makes through its Admin client:
 * describeCluster, describeMetadataQuorum, addRaftVoter, removeRaftVoter) over the broker's own NetworkClient.
 * With brokers, each request goes to the first bootstrap broker that answers, which passes the KRaft APIs on to the
 * active controller; with controllers (KIP-919), to the active controller named by a controller's DescribeCluster,
 * or, while no controller registration names it, to whichever bootstrap controller leads the quorum.
 * Retriable answers (NOT_CONTROLLER, NOT_LEADER_OR_FOLLOWER, ...) and lost connections are retried every 100 ms
 * until the call's deadline (Kafka's default.api.timeout.ms).
 */
export class QuorumAdminClient {
  readonly #target: QuorumAdminTarget;
  readonly #client: NetworkClient;
  readonly #time: Time;
  readonly #timeoutMs: number;
  readonly #bootstrap: NodeEndpoint[];

  /**
   * @param timeoutMs the deadline of each call, in ms.
   * @throws RangeError when no address is given.
   */
  constructor(target: QuorumAdminTarget, options: { timeoutMs: number; time?: Time }) {
    if (target.addresses.length === 0) throw new RangeError('no bootstrap address');
    this.#target = target;
    this.#time = options.time ?? SystemTime;
    this.#timeoutMs = options.timeoutMs;
    // Bootstrap addresses are not known by node id: negative ids, as Kafka's bootstrap nodes.
    this.#bootstrap = target.addresses.map((a, i) => ({ nodeId: -1 - i, host: a.host, port: a.port }));
    this.#client = new NetworkClient({
      clientId: 'kafka-metadata-quorum',
      time: this.#time,
      requestTimeoutMs: Math.min(options.timeoutMs, 30_000),
      logger: pino({ level: 'silent' }),
    });
  }

  /** The cluster id (DescribeCluster). @throws QuorumAdminError or Error when no node answered in time. */
  async clusterId(): Promise<string> {
    const response = await this.#describeCluster();
    return response.clusterId;
  }

  /**
   * The quorum as its leader describes it (DescribeQuorum v0-2; Kafka's Admin.describeMetadataQuorum).
   * @throws QuorumAdminError for an error answer that is not retriable, or a retriable one still there at the deadline.
   */
  async describeQuorum(): Promise<QuorumInfo> {
    const request = { topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: METADATA_PARTITION }] }] };
    return this.#call<DescribeQuorumResponse, QuorumInfo>(ApiKeys.DescribeQuorum, request, (r) => {
      if (r.errorCode !== Errors.NONE) return this.#errorAttempt(r.errorCode, r.errorMessage, true);
      const partition = r.topics.find((t) => t.topicName === METADATA_TOPIC)?.partitions.find((p) => p.partitionIndex === METADATA_PARTITION);
      if (r.topics.length !== 1 || partition === undefined) throw new Error(`DescribeQuorum answered ${r.topics.length} topics without ${METADATA_TOPIC}-${METADATA_PARTITION}`);
      if (partition.errorCode !== Errors.NONE) return this.#errorAttempt(partition.errorCode, partition.errorMessage, true);
      const replica = (s: DescribeQuorumResponse['topics'][number]['partitions'][number]['currentVoters'][number]) => ({
        replicaId: s.replicaId,
        replicaDirectoryId: s.replicaDirectoryId,
        logEndOffset: s.logEndOffset,
        lastFetchTimestamp: s.lastFetchTimestamp,
        lastCaughtUpTimestamp: s.lastCaughtUpTimestamp,
      });
      return {
        done: {
          leaderId: partition.leaderId,
          leaderEpoch: partition.leaderEpoch,
          highWatermark: partition.highWatermark,
          voters: partition.currentVoters.map(replica),
          observers: partition.observers.map(replica),
          nodes: new Map(r.nodes.map((n) => [n.nodeId, n.listeners.map((l) => ({ listener: l.name, host: l.host, port: l.port }))])),
        },
      };
    });
  }

  /**
   * Adds a voter (AddRaftVoter, KIP-853): the controller `voterId` with its metadata log directory id and
   * controller endpoints; resolves once the leader committed the new voter set.
   * @throws QuorumAdminError with the leader's error (DUPLICATE_VOTER, REQUEST_TIMED_OUT when the new voter is
   *   not caught up, UNSUPPORTED_VERSION for a static quorum, ...).
   */
  async addRaftVoter(voterId: number, voterDirectoryId: string, endpoints: readonly QuorumEndpoint[]): Promise<void> {
    const request = {
      clusterId: null,
      timeoutMs: this.#timeoutMs,
      voterId,
      voterDirectoryId,
      listeners: endpoints.map((e) => ({ name: e.listener, host: e.host, port: e.port })),
    };
    await this.#call<AddRaftVoterResponse, void>(ApiKeys.AddRaftVoter, request, (r) => (r.errorCode === Errors.NONE ? { done: undefined } : this.#errorAttempt(r.errorCode, r.errorMessage, false)));
  }

  /**
   * Removes a voter (RemoveRaftVoter, KIP-853); resolves once the leader committed the new voter set.
   * @throws QuorumAdminError with the leader's error (VOTER_NOT_FOUND, INVALID_REQUEST, ...).
   */
  async removeRaftVoter(voterId: number, voterDirectoryId: string): Promise<void> {
    const request = { clusterId: null, voterId, voterDirectoryId };
    await this.#call<RemoveRaftVoterResponse, void>(ApiKeys.RemoveRaftVoter, request, (r) => (r.errorCode === Errors.NONE ? { done: undefined } : this.#errorAttempt(r.errorCode, r.errorMessage, false)));
  }

  /** Closes the connections. */
  close(): void {
    this.#client.close();
  }

  /**
   * The error of an answer: retried when the leader moved (NOT_CONTROLLER, NOT_LEADER_OR_FOLLOWER), or when
   * `retryRetriable` and Kafka marks it retriable; else thrown (Kafka's admin handleResponse).
   */
  #errorAttempt(code: number, message: string | null, retryRetriable: boolean): { readonly retry: Error } {
    const error = new QuorumAdminError(code, message);
    if (code === Errors.NOT_CONTROLLER || code === Errors.NOT_LEADER_OR_FOLLOWER || (retryRetriable && ERROR_INFO[code]?.retriable === true)) return { retry: error };
    throw error;
  }

  async #describeCluster(): Promise<DescribeClusterResponse> {
    const controllers = this.#target.kind === 'controllers';
    const request = { includeClusterAuthorizedOperations: false, endpointType: controllers ? CONTROLLER_ENDPOINT : BROKER_ENDPOINT };
    return this.#retry<DescribeClusterResponse>(ApiKeys.DescribeCluster, async () => {
      const body = await this.#sendToAny<DescribeClusterResponse>(ApiKeys.DescribeCluster, controllers ? { min: 1 } : {}, request);
      return body.errorCode === Errors.NONE ? { done: body } : this.#errorAttempt(body.errorCode, body.errorMessage, true);
    });
  }

  /**
   * Sends `request` where the admin APIs go (see the class doc) and reads the answer with `read` until it is done
   * or the deadline passes.
   */
  #call<Res extends object, T>(apiKey: number, request: object, read: (response: Res) => Attempt<T>): Promise<T> {
    return this.#retry(apiKey, async () => {
      if (this.#target.kind === 'brokers') return read(await this.#sendToAny<Res>(apiKey, {}, request));
      const active = await this.#activeController();
      if (active !== null) return read((await this.#client.send<Res>(active, apiKey, {}, request)).body);
      // No controller registration names the active controller: ask each bootstrap controller, the leader answers.
      let last: Attempt<T> | null = null;
      for (const node of this.#bootstrap) {
        try {
          last = read((await this.#client.send<Res>(node, apiKey, {}, request)).body);
        } catch (e) {
          if (!isConnectionError(e)) throw e;
          last = { retry: e as Error };
        }
        if ('done' in last) return last;
      }
      return last!;
    });
  }

  /** The active controller named by a bootstrap controller's DescribeCluster (KIP-919), or null when none is. */
  async #activeController(): Promise<NodeEndpoint | null> {
    const cluster = await this.#describeCluster();
    const node = cluster.brokers.find((b) => b.brokerId === cluster.controllerId);
    return cluster.controllerId < 0 || node === undefined ? null : { nodeId: node.brokerId, host: node.host, port: node.port };
  }

  /** Sends to the first bootstrap node that answers. @throws the last connection error when none does. */
  async #sendToAny<Res extends object>(apiKey: number, version: { min?: number }, request: object): Promise<Res> {
    let last: unknown = null;
    for (const node of this.#bootstrap) {
      try {
        return (await this.#client.send<Res>(node, apiKey, version, request)).body;
      } catch (e) {
        if (!isConnectionError(e)) throw e;
        last = e;
      }
    }
    throw last;
  }

  /** Runs `attempt` until it is done, retrying retriable outcomes and lost connections until the deadline. */
  async #retry<T>(apiKey: number, attempt: () => Promise<Attempt<T>>): Promise<T> {
    const deadline = this.#time.hiResClockMs() + this.#timeoutMs;
    for (;;) {
      let outcome: Attempt<T>;
      try {
        outcome = await attempt();
      } catch (e) {
        if (!isConnectionError(e)) throw e;
        outcome = { retry: e as Error };
      }
      if ('done' in outcome) return outcome.done;
      if (this.#time.hiResClockMs() + RETRY_BACKOFF_MS >= deadline) {
        if (outcome.retry instanceof QuorumAdminError) throw outcome.retry;
        const where = this.#target.addresses.map((a) => `${a.host}:${a.port}`).join(',');
        throw new Error(`Timed out waiting for a node to answer ${API_KEY_NAMES[apiKey] ?? `API ${apiKey}`} (${where}): ${outcome.retry.message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
    }
  }
}

function isConnectionError(e: unknown): boolean {
  return e instanceof DisconnectException || e instanceof RequestTimeoutError;
}
