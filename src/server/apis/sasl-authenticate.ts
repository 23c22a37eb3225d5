// SaslAuthenticate (key 36): v0-2
// Behaviour: the tokens of a SASL exchange are answered by the SASL authenticator of a SASL listener before
// authentication (security/sasl/SaslServerAuthenticator); one that reaches KafkaApis comes after authentication or
// on a listener without SASL, and gets ILLEGAL_SASL_STATE (34) with Kafka's message. Registered so that ApiVersions
// advertises the API (clients use it instead of raw tokens when it is listed).
// Version notes: v1 adds sessionLifetimeMs (KIP-368); v2 flexible.
import { defineHandler } from '../api-handler.ts';
import type { ApiServices } from '../api-services.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { SaslAuthenticateRequest } from '../../protocol/generated/messages/sasl-authenticate-request.ts';
import type { SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const saslAuthenticateHandler = defineHandler<SaslAuthenticateRequest, Input<SaslAuthenticateResponse>, ApiServices>({
  apiKey: ApiKeys.SaslAuthenticate,
  minVersion: 0,
  maxVersion: 2,
  handle() {
    return {
      errorCode: Errors.ILLEGAL_SASL_STATE,
      errorMessage: 'SaslAuthenticate request received after successful authentication',
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0n,
    };
  },
  errorResponse(_request, error) {
    return { errorCode: error.code, errorMessage: error.message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
  },
});
