// AlterClientQuotas (key 49): v0-1
// Behaviour: served by the active controller (brokers forward it, KIP-590), as Kafka's ControllerApis: the request
// needs ALTER_CONFIGS on the cluster (CLUSTER_AUTHORIZATION_FAILED, 31, on every entry); each entry's entity and
// operations are validated and stored as ClientQuotaRecords (ClientQuotaControlManager): INVALID_REQUEST (42) for
// an empty entity, a type other than user/client-id (ip quotas are refused: not enforced here), a type or key given
// twice, an empty name, an unknown key, a value that is not finite, positive and (byte rates) integral.
// validate_only checks without writing. Answered once the records are committed; the brokers' quota managers apply
// them from the metadata log, the controllers' ControllerMutationQuotaManager the controller_mutation_rate.
// Version notes: v1 flexible.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { AlterClientQuotasRequest } from '../../protocol/generated/messages/alter-client-quotas-request.ts';
import type { AlterClientQuotasResponse } from '../../protocol/generated/messages/alter-client-quotas-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import type { ControllerOpsServices } from '../controller-services.ts';
import { withClusterOperation } from '../auth-helper.ts';

const entityOf = (entity: readonly { entityType: string; entityName: string | null }[]): { entityType: string; entityName: string | null }[] =>
  entity.map((e) => ({ entityType: e.entityType, entityName: e.entityName }));

export const alterClientQuotasHandler = withClusterOperation(AclOperation.ALTER_CONFIGS, defineHandler<AlterClientQuotasRequest, Input<AlterClientQuotasResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.AlterClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  async handle(services, request, info) {
    const results = await services.controller.alterClientQuotas(
      request.entries.map((e) => ({ entity: entityOf(e.entity), ops: e.ops.map((op) => ({ key: op.key, value: op.remove ? null : op.value })) })),
      request.validateOnly,
    );
    return { throttleTimeMs: 0, entries: results.map((r) => ({ errorCode: r.errorCode, errorMessage: r.errorMessage, entity: entityOf(r.entity) })) };
  },
  // Kafka's AlterClientQuotasRequest.getErrorResponse: the error on every entry.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, entries: request.entries.map((e) => ({ errorCode: error.code, errorMessage: error.message, entity: entityOf(e.entity) })) };
  },
}));
