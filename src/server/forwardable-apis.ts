import { ApiKeys } from '../protocol/generated/api-keys.ts';

/**
 * The APIs a broker may pass to the active controller inside an EnvelopeRequest (KIP-590), Kafka 4.4's
 * `ApiKeys.forwardable`: the metadata writes (topics, partitions, configs, ACLs, quotas, SCRAM credentials,
 * delegation tokens, reassignments, leader elections, features) and the quorum and registration APIs that only
 * the controller serves (UnregisterController, forwardable in Kafka 4.4, is newer than our
 * protocol definitions). A controller answers an envelope carrying any other API (an Envelope included) with
 * INVALID_REQUEST.
 */
export const FORWARDABLE_API_KEYS: ReadonlySet<number> = new Set([
  ApiKeys.CreateTopics,
  ApiKeys.DeleteTopics,
  ApiKeys.CreateAcls,
  ApiKeys.DeleteAcls,
  ApiKeys.AlterConfigs,
  ApiKeys.CreatePartitions,
  ApiKeys.CreateDelegationToken,
  ApiKeys.RenewDelegationToken,
  ApiKeys.ExpireDelegationToken,
  ApiKeys.ElectLeaders,
  ApiKeys.IncrementalAlterConfigs,
  ApiKeys.AlterPartitionReassignments,
  ApiKeys.ListPartitionReassignments,
  ApiKeys.AlterClientQuotas,
  ApiKeys.AlterUserScramCredentials,
  ApiKeys.DescribeQuorum,
  ApiKeys.UpdateFeatures,
  ApiKeys.UnregisterBroker,
  ApiKeys.AllocateProducerIds,
  ApiKeys.AddRaftVoter,
  ApiKeys.RemoveRaftVoter,
]);
