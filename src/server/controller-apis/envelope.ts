// Envelope (key 58): v0
// Behaviour: a broker passes a client's request to the active controller (KIP-590, Kafka's ControllerApis
// .handleEnvelopeRequest + EnvelopeUtils): the inner request (header + body as the client sent it), the client's
// principal (KafkaPrincipalSerde) and address. The request is run by this listener's handler for its API, as if
// the client had sent it here, and its encoded response (response header + body, the client's version and
// correlation id) goes back in responseData. Envelope errors, with no responseData: NOT_CONTROLLER (41) when the
// inner response carries NOT_CONTROLLER anywhere (so the broker's channel finds the new active controller and
// retries, as Kafka's RequestChannel.buildResponseSend does); UNSUPPORTED_VERSION (35) for an inner request this
// node cannot parse or does not serve at its version; INVALID_REQUEST (42) for an API that is not forwardable (a
// nested Envelope included) or a client address that is neither 4 nor 16 bytes; PRINCIPAL_DESERIALIZATION_FAILURE
// (97) for a principal that cannot be read.
// Authorization (Kafka's ControllerApis.handleEnvelopeRequest): the sender (a broker) needs CLUSTER_ACTION on the
// cluster, else CLUSTER_AUTHORIZATION_FAILED (31) and the inner request is not run; the inner request is then
// authorized by its own handler with the client's principal.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { EnvelopeRequest } from '../../protocol/generated/messages/envelope-request.ts';
import type { EnvelopeResponse } from '../../protocol/generated/messages/envelope-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { RequestContext } from '../../network/request-handler.ts';
import type { ControllerServices } from '../controller-services.ts';
import { KafkaPrincipalSerde } from '../kafka-principal-serde.ts';
import type { KafkaPrincipal } from '../../security/kafka-principal.ts';
import { InetAddress } from '../../common/inet-address.ts';
import { ForwardedRequestError } from '../kafka-apis.ts';

const noClose = (): void => undefined;

/** Whether any `errorCode` field of a decoded response (at any depth) is `code`: Kafka's `errorCounts().containsKey`. */
function carriesError(value: unknown, code: number): boolean {
  if (Array.isArray(value)) return value.some((v) => carriesError(v, code));
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return false;
  for (const [key, field] of Object.entries(value)) {
    if (key === 'errorCode' ? field === code : carriesError(field, code)) return true;
  }
  return false;
}

export const envelopeHandler = withClusterOperation(AclOperation.CLUSTER_ACTION, defineHandler<EnvelopeRequest, Input<EnvelopeResponse>, ControllerServices>({
  apiKey: ApiKeys.Envelope,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request, { connection }) {
    let principal: KafkaPrincipal;
    try {
      if (request.requestPrincipal === null) throw new Error('no principal');
      principal = KafkaPrincipalSerde.deserialize(request.requestPrincipal);
    } catch (err) {
      services.logger.debug({ err, connectionId: connection.connectionId }, 'Failed to deserialize client principal from envelope');
      return { errorCode: Errors.PRINCIPAL_DESERIALIZATION_FAILURE, responseData: null };
    }
    let clientAddress: string;
    try {
      clientAddress = InetAddress.fromBytes(request.clientHostAddress);
    } catch {
      return { errorCode: Errors.INVALID_REQUEST, responseData: null };
    }
    // The forwarded request runs on the envelope's connection with the client's address; the client's own
    // connection is the broker's, so it cannot be closed from here.
    const forwardedContext: RequestContext = {
      connectionId: connection.connectionId,
      listenerName: connection.listenerName,
      securityProtocol: connection.securityProtocol,
      clientAddress,
      clientPort: 0,
      principal,
      closeConnection: noClose,
    };
    try {
      const { response, bytes } = await services.handleForwarded(request.requestData, forwardedContext, principal);
      if (carriesError(response, Errors.NOT_CONTROLLER)) return { errorCode: Errors.NOT_CONTROLLER, responseData: null };
      return { errorCode: Errors.NONE, responseData: bytes };
    } catch (err) {
      if (err instanceof ForwardedRequestError) {
        services.logger.debug({ err, connectionId: connection.connectionId }, 'Refused a forwarded request');
        return { errorCode: err.code, responseData: null };
      }
      throw err;
    }
  },
  // Kafka's EnvelopeRequest.getErrorResponse: the error, no response data.
  errorResponse(_request, error) {
    return { errorCode: error.code, responseData: null };
  },
}));
