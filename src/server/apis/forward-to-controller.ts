// The broker's handlers of the APIs Kafka forwards to the active controller (KafkaApis.forwardToController,
// KIP-590): CreateTopics, DeleteTopics, CreatePartitions, AlterConfigs, IncrementalAlterConfigs, ElectLeaders,
// CreateAcls, DeleteAcls and AlterClientQuotas sent to any broker go, as the client sent them, to the active
// controller inside an EnvelopeRequest (ForwardingManager), and the controller's response is the client's. The
// versions served are the controller handler's (ApiVersions intersects them with the active controller's, as
// Kafka's broker does).
import { defineHandler, type ApiHandler } from '../api-handler.ts';
import type { ApiServices } from '../api-services.ts';
import type { BrokerServices } from '../broker-services.ts';

/**
 * The broker-listener handler of `target`'s API: same key, versions and error response, answered by forwarding
 * the request to the active controller.
 */
export function forwardToController<Req, Res, S extends ApiServices>(target: ApiHandler<Req, Res, S>): ApiHandler<Req, Res, BrokerServices> {
  return defineHandler<Req, Res, BrokerServices>({
    apiKey: target.apiKey,
    minVersion: target.minVersion,
    maxVersion: target.maxVersion,
    handle: (services, request, info) => services.forwardingManager.forward(target, request, info),
    errorResponse: (request, error, apiVersion) => target.errorResponse(request, error, apiVersion),
  });
}
