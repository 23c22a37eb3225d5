// BrokerHeartbeat (key 63): v0-1
// Behaviour: a registered broker keeps its session with the active controller (broker.session.timeout.ms) and
// moves through Kafka's broker states (BrokerHeartbeatManager.calculateNextBrokerState): FENCED -> UNFENCED once
// currentMetadataOffset reaches its RegisterBrokerRecord's offset and wantFence is false; wantFence fences;
// wantShutDown gives CONTROLLED_SHUTDOWN while the broker leads partitions (they move to other ISR members), then
// SHUTDOWN_NOW (shouldShutDown) once it leads none and every active broker has seen that move. The response says
// isCaughtUp (the registration record is applied), isFenced and shouldShutDown. offlineLogDirs (v1) are removed
// from the registration. Answered on the active controller only (NOT_CONTROLLER, 41); STALE_BROKER_EPOCH (77) for
// an unknown broker or another epoch; REQUEST_TIMED_OUT (7) when it waited in the controller's queue longer than
// broker.heartbeat.interval.ms / 2 (Kafka's deadline).
// Version notes: v1 offlineLogDirs (KIP-858). v2 (cordonedLogDirs, KIP-1066) is not served.
// Authorization (Kafka's ControllerApis): CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED (31).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { BrokerHeartbeatRequest } from '../../protocol/generated/messages/broker-heartbeat-request.ts';
import type { BrokerHeartbeatResponse } from '../../protocol/generated/messages/broker-heartbeat-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerServices } from '../controller-services.ts';

export const brokerHeartbeatHandler = withClusterOperation(AclOperation.CLUSTER_ACTION, defineHandler<BrokerHeartbeatRequest, Input<BrokerHeartbeatResponse>, ControllerServices>({
  apiKey: ApiKeys.BrokerHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  async handle(services, request) {
    const deadlineMs = services.time.hiResClockMs() + services.config.getInt('broker.heartbeat.interval.ms') / 2;
    const reply = await services.controller.processBrokerHeartbeat(request, deadlineMs);
    return { errorCode: Errors.NONE, isCaughtUp: reply.isCaughtUp, isFenced: reply.isFenced, shouldShutDown: reply.shouldShutDown };
  },
  errorResponse(_request, error) {
    return { errorCode: error.code, isCaughtUp: false, isFenced: true, shouldShutDown: false };
  },
}));
