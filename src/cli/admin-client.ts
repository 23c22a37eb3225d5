import { pino } from 'pino';
import { SystemTime, type Time } from '../common/time.ts';
import { NetworkClient, type ApiVersionSelector, type NodeEndpoint } from '../network/network-client.ts';
import { DisconnectException, RequestTimeoutError } from '../network/network-client-errors.ts';
import { API_KEY_NAMES, ApiKeys } from '../protocol/generated/api-keys.ts';
import { ERROR_INFO, Errors } from '../protocol/generated/errors.ts';
import type { FindCoordinatorResponse } from '../protocol/generated/messages/find-coordinator-response.ts';
import type { MetadataResponse } from '../protocol/generated/messages/metadata-response.ts';
import type { BootstrapAddress } from './quorum-admin-client.ts';

/** Wait before a retry (Kafka's retry.backoff.ms). */
const RETRY_BACKOFF_MS = 100;
/** FindCoordinator's key type of a consumer group (KIP-98 added 1 for transactions). */
const GROUP_KEY_TYPE = 0;

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
   * @throws RangeError when no address is given.
   */
  constructor(addresses: readonly BootstrapAddress[], options: { clientId: string; timeoutMs: number; time?: Time }) {
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
    const deadline = this.#time.hiResClockMs() + this.#timeoutMs;
    const nodes = options.node === undefined ? this.#bootstrap : [options.node];
    for (;;) {
      let last: Error | null = null;
      for (const node of nodes) {
        try {
          return (await this.#client.send<Res>(node, apiKey, options.version ?? {}, request)).body;
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
