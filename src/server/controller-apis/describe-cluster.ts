// DescribeCluster (key 60) on the controller listener: v0-1 (KIP-919, direct-to-controller admin clients:
// bootstrap.controllers, kafka-metadata-quorum --bootstrap-controller).
// Behaviour: Kafka's ControllerApis.handleDescribeCluster: the cluster id, the registered controllers
// (RegisterControllerRecord) with their endpoint on the request's listener, and the active controller (the
// quorum's leader) when it is among them, else -1. No metadata.version yet: UNSUPPORTED_VERSION (35). A request
// for broker endpoints (endpointType 1) gets MISMATCHED_ENDPOINT_TYPE (114), an unknown type
// UNSUPPORTED_ENDPOINT_TYPE (115); both are INVALID_REQUEST (42) at v0, which has no endpointType.
// Version notes: v1 adds endpointType.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { DescribeClusterRequest } from '../../protocol/generated/messages/describe-cluster-request.ts';
import type { DescribeClusterResponse } from '../../protocol/generated/messages/describe-cluster-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { METADATA_VERSION_FEATURE } from '../../metadata/metadata-version.ts';
import type { ControllerServices } from '../controller-services.ts';
import { authorizeClusterOperation, AUTHORIZED_OPERATIONS_OMITTED, clusterAuthorizedOperations } from '../auth-helper.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';

/** Kafka's EndpointType ids. */
const BROKER_ENDPOINT = 1;
const CONTROLLER_ENDPOINT = 2;
/** Kafka's "not requested" clusterAuthorizedOperations. */

type Response = Input<DescribeClusterResponse>;

function errorAnswer(errorCode: number, errorMessage: string): Response {
  return { throttleTimeMs: 0, errorCode, errorMessage, endpointType: CONTROLLER_ENDPOINT, clusterId: '', controllerId: -1, brokers: [] };
}

export const controllerDescribeClusterHandler = defineHandler<DescribeClusterRequest, Response, ControllerServices>({
  apiKey: ApiKeys.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  handle(services, request, info) {
    const { apiVersion, connection } = info;
    const image = services.metadata();
    if (!image.features.has(METADATA_VERSION_FEATURE)) {
      return errorAnswer(Errors.UNSUPPORTED_VERSION, 'There is no finalized MetadataVersion, so direct-to-controller communication is not supported.');
    }
    // Unlike the broker's, the controller's DescribeCluster needs ALTER on the cluster (Kafka's ControllerApis).
    authorizeClusterOperation(services.authorizer, info, AclOperation.ALTER);
    const type = request.endpointType;
    if (type !== BROKER_ENDPOINT && type !== CONTROLLER_ENDPOINT) {
      return errorAnswer(apiVersion === 0 ? Errors.INVALID_REQUEST : Errors.UNSUPPORTED_ENDPOINT_TYPE, `Unsupported endpoint type ${type}`);
    }
    if (type !== CONTROLLER_ENDPOINT) {
      return errorAnswer(apiVersion === 0 ? Errors.INVALID_REQUEST : Errors.MISMATCHED_ENDPOINT_TYPE, 'The request was sent to an endpoint of type CONTROLLER, but we wanted an endpoint of type BROKER');
    }
    const controllers = [...image.controllers.values()].flatMap((c) => {
      const ep = c.endpoints.find((e) => e.name === connection.listenerName);
      return ep === undefined ? [] : [{ brokerId: c.id, host: ep.host, port: ep.port, rack: null }];
    });
    const leaderId = services.raft.leaderAndEpoch.leaderId ?? -1;
    return {
      throttleTimeMs: 0,
      errorCode: Errors.NONE,
      errorMessage: null,
      endpointType: CONTROLLER_ENDPOINT,
      clusterId: services.clusterId,
      controllerId: controllers.some((c) => c.brokerId === leaderId) ? leaderId : -1,
      brokers: controllers,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? clusterAuthorizedOperations(services.authorizer, info) : AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
  // Kafka's DescribeClusterRequest.getErrorResponse: the top-level error and its message, no nodes.
  errorResponse(_request, error) {
    return errorAnswer(error.code, error.message ?? '');
  },
});
