// DescribeUserScramCredentials (key 50): v0
// Behaviour: answered from the broker's metadata image, as Kafka's KafkaApis + ScramImage.describe: the request
// needs DESCRIBE on the cluster (else CLUSTER_AUTHORIZATION_FAILED, 31, at the top level); null or no users lists
// every user with a credential; a user named twice gets DUPLICATE_RESOURCE (92), one without any credential
// RESOURCE_NOT_FOUND (91); each found user lists its mechanisms (1 SCRAM-SHA-256, 2 SCRAM-SHA-512) and iterations,
// never the salt or keys.
// Version notes: v0 only (KIP-554), flexible.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { DescribeUserScramCredentialsRequest } from '../../protocol/generated/messages/describe-user-scram-credentials-request.ts';
import type { DescribeUserScramCredentialsResponse, DescribeUserScramCredentialsResult } from '../../protocol/generated/messages/describe-user-scram-credentials-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { AclOperation, ResourceType } from '../../security/authorizer/acl-codes.ts';
import { authorize, CLUSTER_NAME } from '../auth-helper.ts';

export const describeUserScramCredentialsHandler = defineHandler<DescribeUserScramCredentialsRequest, Input<DescribeUserScramCredentialsResponse>>({
  apiKey: ApiKeys.DescribeUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  handle(services, request, info) {
    if (!authorize(services.authorizer, info, { operation: AclOperation.DESCRIBE, resourceType: ResourceType.CLUSTER, resourceName: CLUSTER_NAME })) {
      return { throttleTimeMs: 0, errorCode: Errors.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, results: [] };
    }
    const scram = services.metadata().scram;
    const duplicated = new Map<string, boolean>();
    if (request.users !== null && request.users.length > 0) {
      for (const { name } of request.users) duplicated.set(name, duplicated.has(name));
    } else {
      for (const user of scram.keys()) duplicated.set(user, false);
    }
    const results: Input<DescribeUserScramCredentialsResult>[] = [];
    for (const [user, twice] of duplicated) {
      if (twice) {
        results.push({ user, errorCode: Errors.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] });
        continue;
      }
      const credentials = scram.get(user);
      if (credentials === undefined || credentials.size === 0) {
        results.push({ user, errorCode: Errors.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] });
        continue;
      }
      const credentialInfos = [...credentials].sort(([a], [b]) => a - b).map(([mechanism, c]) => ({ mechanism, iterations: c.iterations }));
      results.push({ user, errorCode: Errors.NONE, errorMessage: null, credentialInfos });
    }
    return { throttleTimeMs: 0, errorCode: Errors.NONE, errorMessage: null, results };
  },
  // Kafka's DescribeUserScramCredentialsRequest.getErrorResponse: the error at the top level and one result per
  // named user carrying it, whose user field Kafka leaves empty.
  errorResponse(request, error) {
    const results = (request.users ?? []).map(() => ({ user: '', errorCode: error.code, errorMessage: error.message, credentialInfos: [] }));
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message, results };
  },
});
