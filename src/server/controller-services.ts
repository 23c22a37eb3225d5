import type { QuorumController } from '../controller/quorum-controller.ts';
import type { KafkaRaftClient } from '../raft/kafka-raft-client.ts';
import type { RequestContext } from '../network/request-handler.ts';
import type { ApiServices } from './api-services.ts';
import type { ForwardedResponse } from './kafka-apis.ts';
import type { KafkaPrincipal } from '../security/kafka-principal.ts';
import type { ControllerMutationQuotaManager, ControllerMutationQuota } from './quota/controller-mutation-quota-manager.ts';
import type { RequestInfo } from './api-handler.ts';

/**
 * What the handlers of controller writes need (CreateTopics, DeleteTopics, CreatePartitions, the config
 * alterations): the QuorumController. They are served on the controller listener, where Kafka's ControllerApis
 * serves them, and on the broker listener, where they reach the controller.
 */
export interface ControllerOpsServices extends ApiServices {
  readonly controller: QuorumController;
  /** `controller_mutation_rate` (KIP-599), enforced on the controller with the (forwarded) request's principal. */
  readonly controllerMutationQuotas?: ControllerMutationQuotaManager;
}

/**
 * Everything the controller listener's handlers use (Kafka's ControllerApis dependencies), wired by
 * ControllerServer: the raft client for the quorum's own APIs (Vote, Fetch of `__cluster_metadata`, ...) and the
 * QuorumController for metadata writes and broker registrations.
 */
export interface ControllerServices extends ControllerOpsServices {
  readonly raft: KafkaRaftClient;
  /**
   * Runs a request forwarded by a broker inside an EnvelopeRequest (KIP-590) through this listener's handlers
   * (KafkaApis.handleForwarded, whose errors it throws).
   */
  handleForwarded(frame: Buffer, context: RequestContext, principal: KafkaPrincipal): Promise<ForwardedResponse>;
}

/**
 * The partition change quota of one CreateTopics / CreatePartitions / DeleteTopics request (Kafka's
 * ControllerMutationQuotaManager.newQuotaFor): strict (THROTTLING_QUOTA_EXCEEDED) from `strictSinceVersion`,
 * permissive (throttle_time_ms only) before, unbounded without a controller mutation quota manager.
 */
export function controllerMutationQuotaFor(services: ControllerOpsServices, info: RequestInfo, strictSinceVersion: number): ControllerMutationQuota | undefined {
  return services.controllerMutationQuotas?.newQuotaFor(info.principal.name, info.header.clientId ?? '', info.apiVersion, strictSinceVersion);
}

/**
 * The throttle a request's controller mutation quota leaves (ms): set as the request's throttle (the response's
 * throttle_time_ms, and the connection muted when it came straight from a client) and returned for the response.
 */
export function controllerMutationThrottle(quota: ControllerMutationQuota | undefined, info: RequestInfo): number {
  const throttleMs = quota?.throttleTimeMs() ?? 0;
  if (throttleMs > 0) info.apiThrottleTimeMs = Math.max(info.apiThrottleTimeMs ?? 0, throttleMs);
  return throttleMs;
}
