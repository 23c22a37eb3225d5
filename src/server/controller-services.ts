import type { QuorumController } from '../controller/quorum-controller.ts';
import type { KafkaRaftClient } from '../raft/kafka-raft-client.ts';
import type { RequestContext } from '../network/request-handler.ts';
import type { ApiServices } from './api-services.ts';
import type { ForwardedResponse } from './kafka-apis.ts';
import type { KafkaPrincipal } from '../security/kafka-principal.ts';

/**
 * What the handlers of controller writes need (CreateTopics, DeleteTopics, CreatePartitions, the config
 * alterations): the QuorumController. They are served on the controller listener, where Kafka's ControllerApis
 * serves them, and on the broker listener, where they reach the controller.
 */
export interface ControllerOpsServices extends ApiServices {
  readonly controller: QuorumController;
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
