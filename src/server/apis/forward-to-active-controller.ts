import { ApiError } from '../../common/api-error.ts';
import { ControllerUnavailableError } from '../node-to-controller-channel.ts';
import type { RequestBody } from '../../network/network-client.ts';
import type { BrokerServices } from '../broker-services.ts';

/**
 * Sends a client's request as it is, at the client's version, to the active controller over the broker's
 * NodeToControllerChannel and resolves with the controller's response body, which the broker returns unchanged
 * (Kafka's KafkaApis.forwardToController for the KRaft admin APIs: DescribeQuorum, AddRaftVoter,
 * RemoveRaftVoter). A self-contained path for these APIs, without Envelope (Kafka wraps forwarded requests in one
 * to carry the client's principal; these need none on a PLAINTEXT cluster without ACLs).
 * @param timeoutMs how long to look for the active controller and wait for its answer.
 * @throws ApiError REQUEST_TIMED_OUT (7) when no active controller answered in time.
 */
export async function forwardToActiveController<Res extends object>(services: BrokerServices, apiKey: number, apiVersion: number, request: RequestBody, timeoutMs: number): Promise<Res> {
  try {
    return await services.controllerChannel.send<Res>(apiKey, request, { version: apiVersion, timeoutMs });
  } catch (e) {
    if (e instanceof ControllerUnavailableError) throw new ApiError(e.errorCode, e.message);
    throw e;
  }
}
