import type { ApiHandler } from '../api-handler.ts';
import { apiVersionsHandler } from '../apis/api-versions.ts';
import { createTopicsHandler } from '../apis/create-topics.ts';
import { deleteTopicsHandler } from '../apis/delete-topics.ts';
import { createPartitionsHandler } from '../apis/create-partitions.ts';
import { alterConfigsHandler } from '../apis/alter-configs.ts';
import { incrementalAlterConfigsHandler } from '../apis/incremental-alter-configs.ts';
import type { ControllerServices } from '../controller-services.ts';
import { RAFT_HANDLERS } from './raft-apis.ts';
import { brokerRegistrationHandler } from './broker-registration.ts';
import { brokerHeartbeatHandler } from './broker-heartbeat.ts';
import { allocateProducerIdsHandler } from './allocate-producer-ids.ts';
import { controllerDescribeClusterHandler } from './describe-cluster.ts';
import { controllerRegistrationHandler } from './controller-registration.ts';
import { unregisterBrokerHandler } from './unregister-broker.ts';
import { envelopeHandler } from './envelope.ts';
import { alterPartitionHandler } from './alter-partition.ts';
import { electLeadersHandler } from './elect-leaders.ts';
import { createAclsHandler } from './create-acls.ts';
import { deleteAclsHandler } from './delete-acls.ts';
import { describeAclsHandler } from '../apis/describe-acls.ts';
import { alterPartitionReassignmentsHandler } from './alter-partition-reassignments.ts';
import { listPartitionReassignmentsHandler } from './list-partition-reassignments.ts';
import { alterClientQuotasHandler } from './alter-client-quotas.ts';
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.ts';
import { saslHandshakeHandler } from '../apis/sasl-handshake.ts';
import { saslAuthenticateHandler } from '../apis/sasl-authenticate.ts';

/**
 * Every API the controller listener serves (Kafka's ControllerApis); its ApiVersions advertises exactly these:
 * the quorum's own APIs, broker and controller registration, broker heartbeats and unregistration, producer id
 * blocks, partition leaders' ISR changes (AlterPartition), leader elections (ElectLeaders), partition
 * reassignments (AlterPartitionReassignments, ListPartitionReassignments), the metadata writes
 * (CreateTopics, DeleteTopics, CreatePartitions, AlterConfigs, IncrementalAlterConfigs, CreateAcls, DeleteAcls,
 * AlterClientQuotas, AlterUserScramCredentials),
 * DescribeAcls from the node's own ACL cache,
 * Envelope, in which brokers pass their clients' metadata writes on (KIP-590), and DescribeCluster for
 * direct-to-controller admin clients (KIP-919), and SaslHandshake / SaslAuthenticate (answered by the SASL
 * authenticator of a SASL controller listener; listed so that a client reads their versions from ApiVersions, as
 * Kafka's ControllerApis serves them).
 */
export const CONTROLLER_HANDLERS: readonly ApiHandler<any, any, ControllerServices>[] = [
  apiVersionsHandler,
  ...RAFT_HANDLERS,
  brokerRegistrationHandler,
  brokerHeartbeatHandler,
  controllerRegistrationHandler,
  unregisterBrokerHandler,
  allocateProducerIdsHandler,
  alterPartitionHandler,
  electLeadersHandler,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  controllerDescribeClusterHandler,
  envelopeHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  createPartitionsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  createAclsHandler,
  deleteAclsHandler,
  describeAclsHandler,
  alterClientQuotasHandler,
  alterUserScramCredentialsHandler,
  saslHandshakeHandler,
  saslAuthenticateHandler,
];
