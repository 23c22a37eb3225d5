// DescribeCluster (key 60): v0-1
// Behaviour: the cluster id, a controller id (a random unfenced broker, as Kafka's KRaft brokers report: brokers
// forward metadata writes, the active controller is not reachable by clients), and the unfenced brokers' endpoints on the request's listener. EndpointType 2 (controllers, KIP-919) is
// answered with UNSUPPORTED_ENDPOINT_TYPE (119) on a broker listener, as Kafka does.
// Version notes: v0 flexible; v1 endpointType.
import { clusterAuthorizedOperations } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { DescribeClusterRequest } from '../../protocol/generated/messages/describe-cluster-request.ts';
import type { DescribeClusterResponse } from '../../protocol/generated/messages/describe-cluster-response.ts';
import type { Input } from '../../protocol/message-input.ts';


export const describeClusterHandler = defineHandler<DescribeClusterRequest, Input<DescribeClusterResponse>>({
  apiKey: ApiKeys.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  handle(services, request, info) {
    const { connection } = info;
    if (request.endpointType !== 1) {
      return { throttleTimeMs: 0, errorCode: Errors.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'The target broker only supports broker endpoints.', endpointType: request.endpointType, clusterId: services.clusterId, controllerId: -1, brokers: [] };
    }
    const brokers = [...services.metadata().brokers.values()]
      .filter((b) => !b.fenced)
      .flatMap((b) => {
        const ep = b.endpoints.find((e) => e.name === connection.listenerName);
        return ep === undefined ? [] : [{ brokerId: b.id, host: ep.host, port: ep.port, rack: b.rack }];
      });
    return {
      throttleTimeMs: 0,
      errorCode: Errors.NONE,
      errorMessage: null,
      endpointType: 1,
      clusterId: services.clusterId,
      controllerId: services.randomAliveBrokerId() ?? -1,
      brokers,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? clusterAuthorizedOperations(services.authorizer, info) : -2147483648,
    };
  },
  // Kafka's DescribeClusterRequest.getErrorResponse: the top-level error and its message, no brokers.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message, clusterId: '', controllerId: -1, brokers: [] };
  },
});
