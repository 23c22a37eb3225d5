// BrokerHeartbeat (key 63): v0-1
// Behaviour: a registered broker keeps its session with the active controller. Answered on the active controller
// only (NOT_CONTROLLER, 41, elsewhere); STALE_BROKER_EPOCH (77) when the broker epoch is not the registered one.
// Not yet: session expiry (fencing after broker.session.timeout.ms), unfencing once caught up, wantFence and
// controlled shutdown (the broker is told to shut down at once when it asks to).
// Version notes: v1 offlineLogDirs (KIP-858).
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { BrokerHeartbeatRequest } from '../../protocol/generated/messages/broker-heartbeat-request.ts';
import type { BrokerHeartbeatResponse } from '../../protocol/generated/messages/broker-heartbeat-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerServices } from '../controller-services.ts';

export const brokerHeartbeatHandler = defineHandler<BrokerHeartbeatRequest, Input<BrokerHeartbeatResponse>, ControllerServices>({
  apiKey: ApiKeys.BrokerHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  handle(services, request) {
    services.controller.activeEpoch();
    const registration = services.metadata().brokers.get(request.brokerId);
    if (registration === undefined || registration.epoch !== request.brokerEpoch) {
      return { errorCode: Errors.STALE_BROKER_EPOCH, isCaughtUp: false, isFenced: true, shouldShutDown: false };
    }
    return { errorCode: Errors.NONE, isCaughtUp: true, isFenced: registration.fenced, shouldShutDown: request.wantShutDown };
  },
  errorResponse(_request, error) {
    return { errorCode: error.code, isCaughtUp: false, isFenced: true, shouldShutDown: false };
  },
});
