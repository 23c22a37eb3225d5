import { ApiError } from '../common/api-error.ts';
import type { Time } from '../common/time.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { MetadataPublisher } from '../metadata/metadata-loader.ts';
import type { Logger } from '../observability/logger.ts';
import { Writer } from '../protocol/writer.ts';
import { encodeRequestHeader } from '../protocol/request-header.ts';
import { API_MESSAGES, requestHeaderVersion } from '../protocol/generated/api-messages.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { ERROR_INFO, Errors } from '../protocol/generated/errors.ts';
import type { CreateTopicsResponse } from '../protocol/generated/messages/create-topics-response.ts';
import type { RequestInfo } from './api-handler.ts';
import type { ForwardingManager } from './forwarding-manager.ts';
import { ControllerUnavailableError, type ControllerChannel } from './node-to-controller-channel.ts';

/** How one topic's creation ended: its CreateTopics result, or the failure of the request (REQUEST_TIMED_OUT...). */
export interface AutoTopicCreationResult {
  /** NONE once the topic exists (TOPIC_ALREADY_EXISTS counts as created) and this broker's metadata has it. */
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface AutoTopicCreationOptions {
  /** The broker-to-controller channel (plain CreateTopics, for the coordinators' internal topics). */
  readonly channel: ControllerChannel;
  /** Sends CreateTopics on behalf of a client, in an Envelope with its principal (Metadata requests). */
  readonly forwarding: ForwardingManager;
  image(): MetadataImage;
  readonly time: Time;
  readonly logger: Logger;
  /** auto.create.topics.enable */
  readonly enabled: boolean;
  /** request.timeout.ms: the CreateTopics timeoutMs, and how long a creation may take to reach this broker's metadata. */
  readonly requestTimeoutMs: number;
  /** Topic configs used for the coordinators' internal topics, by topic name. */
  internalTopicConfigs(topic: string): { numPartitions: number; replicationFactor: number; configs: { name: string; value: string }[] } | null;
}

/**
 * Creates topics on first use, after Kafka's `DefaultAutoTopicCreationManager` with its `KRaftTopicCreator`: a
 * CreateTopics request to the active controller over the broker-to-controller channel, in an EnvelopeRequest with
 * the client's principal, header and address when a client's Metadata request asks for an unknown topic (when
 * `auto.create.topics.enable` and the request allows it), or plain from the broker for the coordinators' internal
 * topics (`__consumer_offsets`, `__transaction_state`, created by FindCoordinator) with their partition counts and
 * configs. Broker defaults are -1 (the controller's num.partitions / default.replication.factor).
 *
 * Unlike Kafka, which answers UNKNOWN_TOPIC_OR_PARTITION / COORDINATOR_NOT_AVAILABLE while the creation is in
 * flight, the creation is awaited until this broker's metadata holds the topic (at most request.timeout.ms), so
 * the first answer is already complete. Concurrent requests for the same topic share one creation. It is a
 * metadata publisher: the broker installs it so that it sees topics arrive.
 */
export class AutoTopicCreationManager implements MetadataPublisher {
  readonly name = 'AutoTopicCreationManager';
  readonly #options: AutoTopicCreationOptions;
  readonly #inflight = new Map<string, Promise<AutoTopicCreationResult>>();
  readonly #topicWaiters = new Map<string, Set<() => void>>();

  constructor(options: AutoTopicCreationOptions) {
    this.#options = options;
  }

  get enabled(): boolean {
    return this.#options.enabled;
  }

  /**
   * Creates `topic` unless it exists.
   * @param context the client request asking for it (Metadata), whose principal and header the creation carries;
   *   null for the broker's own creations (internal topics).
   * @returns how it ended; never rejects (a controller that cannot be reached is REQUEST_TIMED_OUT, 7).
   */
  createTopic(topic: string, context: RequestInfo | null): Promise<AutoTopicCreationResult> {
    const existing = this.#inflight.get(topic);
    if (existing !== undefined) return existing;
    const promise = this.#create(topic, context).finally(() => this.#inflight.delete(topic));
    this.#inflight.set(topic, promise);
    return promise;
  }

  async #create(topic: string, context: RequestInfo | null): Promise<AutoTopicCreationResult> {
    const o = this.#options;
    const internal = o.internalTopicConfigs(topic);
    const body = {
      topics: [{
        name: topic,
        numPartitions: internal?.numPartitions ?? -1,
        replicationFactor: internal?.replicationFactor ?? -1,
        assignments: [],
        configs: internal?.configs ?? [],
      }],
      timeoutMs: o.requestTimeoutMs,
      validateOnly: false,
    };
    let response: CreateTopicsResponse;
    try {
      response = context === null
        ? await o.channel.send<CreateTopicsResponse>(ApiKeys.CreateTopics, body, { timeoutMs: o.requestTimeoutMs })
        : await this.#createOnBehalfOf(context, body);
    } catch (err) {
      const errorCode = err instanceof ApiError ? err.code : err instanceof ControllerUnavailableError ? err.errorCode : Errors.UNKNOWN_SERVER_ERROR;
      o.logger.warn({ err, topic }, 'Auto topic creation failed');
      return { errorCode, errorMessage: (err as Error).message };
    }
    const result = response.topics.find((t) => t.name === topic);
    const errorCode = result?.errorCode ?? Errors.UNKNOWN_SERVER_ERROR;
    if (errorCode !== Errors.NONE && errorCode !== Errors.TOPIC_ALREADY_EXISTS) {
      o.logger.warn({ topic, errorCode, errorMessage: result?.errorMessage }, `Auto topic creation failed for ${topic} with error ${ERROR_INFO[errorCode]?.name ?? errorCode}`);
      return { errorCode, errorMessage: result?.errorMessage ?? null };
    }
    if (!(await this.#awaitTopic(topic, o.time.hiResClockMs() + o.requestTimeoutMs))) {
      return { errorCode: Errors.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `${topic} was created but has not reached this broker's metadata yet` };
    }
    return { errorCode: Errors.NONE, errorMessage: null };
  }

  /**
   * Kafka's `KRaftTopicCreator.createTopicWithPrincipal`: the CreateTopics request is encoded with the client's
   * client id and correlation id, at the newest version the controller serves, and sent in an Envelope.
   */
  async #createOnBehalfOf(context: RequestInfo, body: object): Promise<CreateTopicsResponse> {
    const api = API_MESSAGES.get(ApiKeys.CreateTopics)!;
    const apiVersion = this.#options.forwarding.latestUsableVersion(ApiKeys.CreateTopics, api.minVersion, api.maxVersion);
    const w = new Writer(128);
    const header = { requestApiKey: ApiKeys.CreateTopics, requestApiVersion: apiVersion, correlationId: context.header.correlationId, clientId: context.header.clientId };
    encodeRequestHeader(w, requestHeaderVersion(ApiKeys.CreateTopics, apiVersion), header);
    api.encodeRequest(w, apiVersion, body);
    return (await this.#options.forwarding.sendEnvelope({
      frame: w.toBuffer(),
      apiKey: ApiKeys.CreateTopics,
      apiVersion,
      correlationId: header.correlationId,
      principal: context.principal,
      clientAddress: context.connection.clientAddress,
    })) as CreateTopicsResponse;
  }

  /** Resolves true once this broker's metadata has `topic`, false at `deadlineMs` (monotonic ms). */
  #awaitTopic(topic: string, deadlineMs: number): Promise<boolean> {
    if (this.#options.image().topicsByName.has(topic)) return Promise.resolve(true);
    return new Promise((resolve) => {
      let waiters = this.#topicWaiters.get(topic);
      if (waiters === undefined) this.#topicWaiters.set(topic, (waiters = new Set()));
      const done = (found: boolean): void => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#topicWaiters.get(topic) === waiters) this.#topicWaiters.delete(topic);
        resolve(found);
      };
      const wake = (): void => done(true);
      const timer = setTimeout(() => done(false), Math.max(0, deadlineMs - this.#options.time.hiResClockMs()));
      timer.unref();
      waiters.add(wake);
    });
  }

  onMetadataUpdate(image: MetadataImage): void {
    for (const [topic, waiters] of this.#topicWaiters) {
      if (!image.topicsByName.has(topic)) continue;
      for (const wake of [...waiters]) wake();
    }
  }
}
