import { pino } from 'pino';
import { SystemTime, type Time } from '../common/time.ts';
import type { ClientResponse } from '../network/client-request.ts';
import type { FramePool } from '../network/frame-pool.ts';
import { NetworkClient, type ApiVersionSelector, type NodeEndpoint } from '../network/network-client.ts';
import { DisconnectException, RequestTimeoutError } from '../network/network-client-errors.ts';
import { API_KEY_NAMES, ApiKeys } from '../protocol/generated/api-keys.ts';
import { ERROR_INFO, Errors } from '../protocol/generated/errors.ts';
import type { FindCoordinatorResponse } from '../protocol/generated/messages/find-coordinator-response.ts';
import type { ListOffsetsResponse } from '../protocol/generated/messages/list-offsets-response.ts';
import type { MetadataResponse } from '../protocol/generated/messages/metadata-response.ts';
import type { BootstrapAddress } from './quorum-admin-client.ts';

/** Wait before a retry (Kafka's retry.backoff.ms). */
const RETRY_BACKOFF_MS = 100;
/** FindCoordinator's key type of a consumer group (KIP-98 added 1 for transactions). */
const GROUP_KEY_TYPE = 0;
/** A consumer replica id in ListOffsets. */
const CONSUMER_REPLICA_ID = -1;

/** One partition's answer to ListOffsets: the offset (-1n when a timestamp finds no record), or an error code. */
export type ListOffsetsResult = { readonly offset: bigint; readonly errorCode: 0 } | { readonly offset: null; readonly errorCode: number };

/**
 * A Kafka error answered to an admin request. `message` is what Kafka's Admin client puts in the exception it
 * raises: the server's error message when it sent one, else the error's default message (ApiException.message).
 */
export class AdminError extends Error {
  readonly code: number;

  constructor(code: number, serverMessage: string | null) {
    const info = ERROR_INFO[code];
    super(serverMessage ?? info?.message ?? `error code ${code}`);
    this.name = 'AdminError';
    this.code = code;
  }
}

/**
 * The transport of the admin commands (`topics`, `consumer-groups`...): requests over the broker's own NetworkClient
 * and generated codecs, to the first bootstrap broker that answers or to a named node (a group coordinator, a
 * partition leader). Lost connections are retried every 100 ms until the call's deadline (Kafka's
 * default.api.timeout.ms); error codes in answers are the caller's to read, since each API nests them differently.
 */
export class AdminClient {
  readonly #client: NetworkClient;
  readonly #time: Time;
  readonly #timeoutMs: number;
  readonly #bootstrap: NodeEndpoint[];

  /**
   * @param clientId the client.id the requests carry (Kafka's tools use e.g. "adminclient-1").
   * @param timeoutMs the deadline of each call, in ms.
   * @param framePool memory of response frames, recycled when the caller of {@link sendForResponse} releases them
   *   (a tool fetching large responses in a loop: consumer-perf-test); default plain Buffers.
   * @throws RangeError when no address is given.
   */
  constructor(addresses: readonly BootstrapAddress[], options: { clientId: string; timeoutMs: number; time?: Time; framePool?: FramePool }) {
    if (addresses.length === 0) throw new RangeError('no bootstrap address');
    this.#time = options.time ?? SystemTime;
    this.#timeoutMs = options.timeoutMs;
    // Bootstrap addresses are not known by node id: negative ids, as Kafka's bootstrap nodes.
    this.#bootstrap = addresses.map((a, i) => ({ nodeId: -1 - i, host: a.host, port: a.port }));
    this.#client = new NetworkClient({
      clientId: options.clientId,
      time: this.#time,
      requestTimeoutMs: Math.min(options.timeoutMs, 30_000),
      logger: pino({ level: 'silent' }),
      ...(options.framePool === undefined ? {} : { framePool: options.framePool }),
    });
  }

  /** The deadline of each call, in ms. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Sends `request` to `node`, or to the first bootstrap broker that answers, at the highest version both sides
   * support within `version`. @throws UnsupportedVersionError when the broker does not offer the API; Error when no
   * broker answered before the deadline.
   */
  async send<Res extends object>(apiKey: number, request: object, options: { node?: NodeEndpoint; version?: ApiVersionSelector } = {}): Promise<Res> {
    return (await this.sendForResponse<Res>(apiKey, request, options)).body;
  }

  /**
   * {@link send}, answering the whole ClientResponse: its `releaseFrame()` gives the response's memory back to the
   * frame pool once nothing refers to the body's byte fields (Fetch records are views of it).
   */
  async sendForResponse<Res extends object>(apiKey: number, request: object, options: { node?: NodeEndpoint; version?: ApiVersionSelector } = {}): Promise<ClientResponse<Res>> {
    const deadline = this.#time.hiResClockMs() + this.#timeoutMs;
    const nodes = options.node === undefined ? this.#bootstrap : [options.node];
    for (;;) {
      let last: Error | null = null;
      for (const node of nodes) {
        try {
          return await this.#client.send<Res>(node, apiKey, options.version ?? {}, request);
        } catch (e) {
          if (!(e instanceof DisconnectException || e instanceof RequestTimeoutError)) throw e;
          last = e;
        }
      }
      if (this.#time.hiResClockMs() + RETRY_BACKOFF_MS >= deadline) {
        const where = nodes.map((n) => `${n.host}:${n.port}`).join(',');
        throw new Error(`Timed out waiting for a node to answer ${API_KEY_NAMES[apiKey] ?? `API ${apiKey}`} (${where}): ${last?.message ?? 'no answer'}`);
      }
      await this.#backoff();
    }
  }

  /** Metadata of `topics` (null: every topic), with topic ids (v12). */
  async metadata(topics: readonly string[] | null): Promise<MetadataResponse> {
    const request = { topics: topics === null ? null : topics.map((name) => ({ name })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };
    return this.send<MetadataResponse>(ApiKeys.Metadata, request, { version: { min: 10 } });
  }

  /**
   * ListOffsets of `partitions` ([topic, partition]) at `timestamp(tp)` (-1n latest, -2n earliest, -3n max timestamp,
   * or ms since the epoch), asked of each partition's leader as Kafka's Admin.listOffsets (read_uncommitted), at
   * version `minVersion` or newer (the special timestamps need newer versions). Keyed "topic-partition"; partitions
   * without a leader are left out.
   * @throws UnsupportedVersionError when the leader lacks `minVersion`.
   */
  async listOffsets(partitions: readonly (readonly [string, number])[], timestamp: (tp: readonly [string, number]) => bigint, minVersion = 1): Promise<Map<string, ListOffsetsResult>> {
    const out = new Map<string, ListOffsetsResult>();
    if (partitions.length === 0) return out;
    const metadata = await this.metadata([...new Set(partitions.map(([t]) => t))]);
    const brokers = new Map(metadata.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port }]));
    const byLeader = new Map<number, (readonly [string, number])[]>();
    for (const tp of partitions) {
      const leader = metadata.topics.find((t) => t.name === tp[0])?.partitions.find((p) => p.partitionIndex === tp[1])?.leaderId ?? -1;
      if (leader >= 0 && brokers.has(leader)) byLeader.set(leader, [...(byLeader.get(leader) ?? []), tp]);
    }
    for (const [leader, tps] of byLeader) {
      const topics = [...new Set(tps.map(([t]) => t))].map((name) => ({
        name,
        partitions: tps.filter(([t]) => t === name).map((tp) => ({ partitionIndex: tp[1], currentLeaderEpoch: -1, timestamp: timestamp(tp), maxNumOffsets: 1 })),
      }));
      const request = { replicaId: CONSUMER_REPLICA_ID, isolationLevel: 0, topics, timeoutMs: this.#timeoutMs };
      const r = await this.send<ListOffsetsResponse>(ApiKeys.ListOffsets, request, { node: brokers.get(leader)!, version: { min: minVersion } });
      for (const t of r.topics) {
        for (const p of t.partitions) out.set(`${t.name}-${p.partitionIndex}`, p.errorCode === Errors.NONE ? { offset: p.offset, errorCode: 0 } : { offset: null, errorCode: p.errorCode });
      }
    }
    return out;
  }

  /**
   * The coordinator of consumer group `groupId` (FindCoordinator v4, batched), retrying while it is not yet
   * available (COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS) until the deadline.
   * @throws AdminError for another error, or the retriable one still there at the deadline.
   */
  async groupCoordinator(groupId: string): Promise<NodeEndpoint> {
    const deadline = this.#time.hiResClockMs() + this.#timeoutMs;
    for (;;) {
      const r = await this.send<FindCoordinatorResponse>(ApiKeys.FindCoordinator, { keyType: GROUP_KEY_TYPE, coordinatorKeys: [groupId] }, { version: { min: 4 } });
      const c = r.coordinators[0];
      if (c === undefined) throw new Error(`FindCoordinator answered no coordinator for group ${groupId}`);
      if (c.errorCode === Errors.NONE) return { nodeId: c.nodeId, host: c.host, port: c.port };
      if (!isRetriable(c.errorCode) || this.#time.hiResClockMs() + RETRY_BACKOFF_MS >= deadline) throw new AdminError(c.errorCode, c.errorMessage);
      await this.#backoff();
    }
  }

  /** Closes the connections. */
  close(): void {
    this.#client.close();
  }

  async #backoff(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
  }
}

/** Whether Kafka marks error `code` retriable. */
export function isRetriable(code: number): boolean {
  return ERROR_INFO[code]?.retriable === true;
}
