import type { ApiHandler } from '../api-handler.ts';
import { apiVersionsHandler } from './api-versions.ts';
import { metadataHandler } from './metadata.ts';
import { describeTopicPartitionsHandler } from './describe-topic-partitions.ts';
import { produceHandler } from './produce.ts';
import { fetchHandler } from './fetch.ts';
import { listOffsetsHandler } from './list-offsets.ts';
import { createTopicsHandler } from './create-topics.ts';
import { deleteTopicsHandler } from './delete-topics.ts';
import { createPartitionsHandler } from './create-partitions.ts';
import { deleteRecordsHandler } from './delete-records.ts';
import { describeConfigsHandler } from './describe-configs.ts';
import { alterConfigsHandler } from './alter-configs.ts';
import { forwardAlterConfigs } from './forward-alter-configs.ts';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.ts';
import { describeClusterHandler } from './describe-cluster.ts';
import { describeLogDirsHandler } from './describe-log-dirs.ts';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.ts';
import { findCoordinatorHandler } from './find-coordinator.ts';
import { joinGroupHandler } from './join-group.ts';
import { syncGroupHandler } from './sync-group.ts';
import { heartbeatHandler } from './heartbeat.ts';
import { leaveGroupHandler } from './leave-group.ts';
import { offsetCommitHandler } from './offset-commit.ts';
import { offsetFetchHandler } from './offset-fetch.ts';
import { describeGroupsHandler } from './describe-groups.ts';
import { listGroupsHandler } from './list-groups.ts';
import { deleteGroupsHandler } from './delete-groups.ts';
import { offsetDeleteHandler } from './offset-delete.ts';
import { consumerGroupHeartbeatHandler } from './consumer-group-heartbeat.ts';
import { consumerGroupDescribeHandler } from './consumer-group-describe.ts';
import { initProducerIdHandler } from './init-producer-id.ts';
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.ts';
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.ts';
import { endTxnHandler } from './end-txn.ts';
import { writeTxnMarkersHandler } from './write-txn-markers.ts';
import { txnOffsetCommitHandler } from './txn-offset-commit.ts';
import { listTransactionsHandler } from './list-transactions.ts';
import { describeTransactionsHandler } from './describe-transactions.ts';
import { describeProducersHandler } from './describe-producers.ts';
import { describeQuorumHandler } from './describe-quorum.ts';
import { addRaftVoterHandler } from './add-raft-voter.ts';
import { removeRaftVoterHandler } from './remove-raft-voter.ts';
import { forwardToController } from './forward-to-controller.ts';
import { electLeadersHandler } from '../controller-apis/elect-leaders.ts';
import { createAclsHandler } from '../controller-apis/create-acls.ts';
import { deleteAclsHandler } from '../controller-apis/delete-acls.ts';
import { describeAclsHandler } from './describe-acls.ts';
import { alterPartitionReassignmentsHandler } from '../controller-apis/alter-partition-reassignments.ts';
import { listPartitionReassignmentsHandler } from '../controller-apis/list-partition-reassignments.ts';
import { alterClientQuotasHandler } from '../controller-apis/alter-client-quotas.ts';
import { describeClientQuotasHandler } from './describe-client-quotas.ts';
import { saslHandshakeHandler } from './sasl-handshake.ts';
import { saslAuthenticateHandler } from './sasl-authenticate.ts';
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.ts';
import { alterUserScramCredentialsHandler } from '../controller-apis/alter-user-scram-credentials.ts';

/**
 * Every API this broker serves; ApiVersions advertises exactly these, with their version ranges (those forwarded to
 * the active controller intersected with the controller's). The metadata writes are forwarded (KIP-590), as Kafka's
 * brokers do: the controller's handlers answer them.
 */
export const ALL_HANDLERS: readonly ApiHandler<any, any>[] = [
  apiVersionsHandler,
  metadataHandler,
  describeTopicPartitionsHandler,
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  forwardToController(createTopicsHandler),
  forwardToController(deleteTopicsHandler),
  forwardToController(createPartitionsHandler),
  deleteRecordsHandler,
  describeConfigsHandler,
  forwardAlterConfigs(alterConfigsHandler, false),
  forwardAlterConfigs(incrementalAlterConfigsHandler, true),
  forwardToController(electLeadersHandler),
  forwardToController(alterPartitionReassignmentsHandler),
  forwardToController(listPartitionReassignmentsHandler),
  describeClusterHandler,
  describeLogDirsHandler,
  offsetForLeaderEpochHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  syncGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  describeGroupsHandler,
  listGroupsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
  initProducerIdHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  endTxnHandler,
  writeTxnMarkersHandler,
  txnOffsetCommitHandler,
  listTransactionsHandler,
  describeTransactionsHandler,
  describeProducersHandler,
  describeQuorumHandler,
  addRaftVoterHandler,
  removeRaftVoterHandler,
  describeAclsHandler,
  forwardToController(createAclsHandler),
  forwardToController(deleteAclsHandler),
  describeClientQuotasHandler,
  forwardToController(alterClientQuotasHandler),
  saslHandshakeHandler,
  saslAuthenticateHandler,
  describeUserScramCredentialsHandler,
  forwardToController(alterUserScramCredentialsHandler),
];

/** The KIP-848 consumer group APIs, served when group.coordinator.rebalance.protocols includes 'consumer'. */
export const KIP_848_HANDLERS: readonly ApiHandler<any, any>[] = [consumerGroupHeartbeatHandler, consumerGroupDescribeHandler];
