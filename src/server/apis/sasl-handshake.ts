// SaslHandshake (key 17): v0-1
// Behaviour: the handshake itself is answered by the SASL authenticator of a SASL listener before authentication
// (security/sasl/SaslServerAuthenticator); a handshake that reaches KafkaApis comes after authentication or on a
// listener without SASL, and gets ILLEGAL_SASL_STATE (34), as Kafka's KafkaApis answers it. A handshake that begins
// a re-authentication (KIP-368: a session that expires, at most one a second) never reaches this handler: the
// connection's authentication takes it (network/connection-authentication.ts). Registered so that ApiVersions
// advertises the API, as Kafka's does on every listener.
// Version notes: v1 announces SaslAuthenticate requests instead of raw tokens (KIP-152).
import { defineHandler } from '../api-handler.ts';
import type { ApiServices } from '../api-services.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { SaslHandshakeRequest } from '../../protocol/generated/messages/sasl-handshake-request.ts';
import type { SaslHandshakeResponse } from '../../protocol/generated/messages/sasl-handshake-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const saslHandshakeHandler = defineHandler<SaslHandshakeRequest, Input<SaslHandshakeResponse>, ApiServices>({
  apiKey: ApiKeys.SaslHandshake,
  minVersion: 0,
  maxVersion: 1,
  handle() {
    return { errorCode: Errors.ILLEGAL_SASL_STATE, mechanisms: [] };
  },
  errorResponse(_request, error) {
    return { errorCode: error.code, mechanisms: [] };
  },
});
