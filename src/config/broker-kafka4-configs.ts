// Broker configs that Kafka 4.x added after 3.9 (Kafka 4.4's `AbstractKafkaConfig.CONFIG_DEF`: share groups,
// streams groups, tiered storage additions, dynamic quorum settings, OAuth client assertions, delegation tokens,
// config providers), with Kafka's types, defaults, validators and dynamic modes. They are here so that a Kafka 4.x
// server.properties starts unchanged: the features behind them are not built yet, so each one is accepted and
// inactive (listed by the start-up warning when set), or refused where ignoring it would weaken security.

import { atLeast, between, defineBroker as def, nonEmptyString, oneOfIgnoreCase } from './config-def.ts';

const CLUSTER = 'cluster-wide';
const PER_BROKER = 'per-broker';

/** Why these configs have no effect yet, or are refused. */
const SHARE_GROUPS = 'share groups (KIP-932) are not built yet';
const STREAMS_GROUPS = 'streams groups (KIP-1071) are not built yet';
const TIERED = 'applies to tiered storage, which is not supported (remote.log.storage.system.enable is refused)';
const CLUSTER_ONLY = 'applies to a cluster of several nodes, which is not built yet';
const DELEGATION_TOKENS = 'delegation tokens are not supported yet';
const SASL = 'SASL authentication is not supported yet';

/** The broker configs of Kafka 4.x that Kafka 3.9 does not have. */
export const BROKER_KAFKA4_CONFIGS = [
  // Share groups and the share coordinator (KIP-932)
  def('errors.deadletterqueue.auto.create.topics.enable', 'BOOLEAN', 'false', 'Whether dead-letter-queue topics of share groups are created automatically.', {
    dyn: CLUSTER, inactive: SHARE_GROUPS,
  }),
  def('errors.deadletterqueue.topic.name.prefix', 'STRING', 'dlq.', 'Prefix of the dead-letter-queue topics of share groups.', {
    dyn: CLUSTER, inactive: SHARE_GROUPS,
  }),
  def('group.share.assignment.interval.ms', 'INT', '1000', 'Minimum time in ms between two target assignment computations of a share group.', {
    v: atLeast(0), dyn: CLUSTER, inactive: SHARE_GROUPS,
  }),
  def('group.share.assignor.offload.enable', 'BOOLEAN', 'true', 'Whether share group assignments are computed off the coordinator thread.', {
    dyn: CLUSTER, internal: true, inactive: SHARE_GROUPS,
  }),
  def('group.share.assignors', 'LIST', 'simple', 'Server-side assignors of share groups (KIP-932).', { inactive: SHARE_GROUPS }),
  def('group.share.delivery.count.limit', 'INT', '5', 'Deliveries of a record to share group consumers before it is archived.', {
    v: between(2, 10), inactive: SHARE_GROUPS,
  }),
  def('group.share.dlq.manager.class.name', 'STRING', 'org.apache.kafka.server.share.dlq.DefaultShareGroupDLQManager', 'Class that manages the dead-letter queues of share groups.', {
    internal: true, inactive: SHARE_GROUPS,
  }),
  def('group.share.heartbeat.interval.ms', 'INT', '5000', 'Heartbeat interval in ms given to share group members.', {
    v: atLeast(1), inactive: SHARE_GROUPS,
  }),
  def('group.share.initialize.retry.interval.ms', 'INT', '30000', 'Wait in ms before a failed share group state initialization is retried.', {
    v: atLeast(1), imp: 'LOW', internal: true, inactive: SHARE_GROUPS,
  }),
  def('group.share.max.assignment.interval.ms', 'INT', '15000', 'Upper bound of group.share.assignment.interval.ms.', {
    v: atLeast(0), inactive: SHARE_GROUPS,
  }),
  def('group.share.max.delivery.count.limit', 'INT', '10', 'Upper bound of group.share.delivery.count.limit.', {
    v: between(5, 25), inactive: SHARE_GROUPS,
  }),
  def('group.share.max.heartbeat.interval.ms', 'INT', '15000', 'Largest allowed share group heartbeat interval in ms.', {
    v: atLeast(1), inactive: SHARE_GROUPS,
  }),
  def('group.share.max.partition.max.record.locks', 'INT', '4000', 'Upper bound of group.share.partition.max.record.locks.', {
    v: between(2000, 10000), inactive: SHARE_GROUPS,
  }),
  def('group.share.max.record.lock.duration.ms', 'INT', '60000', 'Upper bound of group.share.record.lock.duration.ms.', {
    v: between(30000, 3600000), inactive: SHARE_GROUPS,
  }),
  def('group.share.max.session.timeout.ms', 'INT', '60000', 'Largest allowed share group session timeout in ms.', {
    v: atLeast(1), inactive: SHARE_GROUPS,
  }),
  def('group.share.max.share.sessions', 'INT', '2000', 'Maximum number of share sessions the broker keeps.', {
    v: atLeast(1), inactive: SHARE_GROUPS,
  }),
  def('group.share.max.size', 'INT', '200', 'Maximum number of members in a share group.', { v: between(1, 1000), inactive: SHARE_GROUPS }),
  def('group.share.min.assignment.interval.ms', 'INT', '0', 'Lower bound of group.share.assignment.interval.ms.', {
    v: atLeast(0), inactive: SHARE_GROUPS,
  }),
  def('group.share.min.delivery.count.limit', 'INT', '2', 'Lower bound of group.share.delivery.count.limit.', {
    v: between(2, 5), inactive: SHARE_GROUPS,
  }),
  def('group.share.min.heartbeat.interval.ms', 'INT', '5000', 'Smallest allowed share group heartbeat interval in ms.', {
    v: atLeast(1), inactive: SHARE_GROUPS,
  }),
  def('group.share.min.partition.max.record.locks', 'INT', '100', 'Lower bound of group.share.partition.max.record.locks.', {
    v: between(100, 2000), inactive: SHARE_GROUPS,
  }),
  def('group.share.min.record.lock.duration.ms', 'INT', '15000', 'Lower bound of group.share.record.lock.duration.ms.', {
    v: between(1000, 30000), inactive: SHARE_GROUPS,
  }),
  def('group.share.min.session.timeout.ms', 'INT', '45000', 'Smallest allowed share group session timeout in ms.', {
    v: atLeast(1), inactive: SHARE_GROUPS,
  }),
  def('group.share.partition.max.record.locks', 'INT', '2000', 'Records of a share partition that may be locked (acquired) at once.', {
    v: between(100, 10000), inactive: SHARE_GROUPS,
  }),
  def('group.share.persister.class.name', 'STRING', 'org.apache.kafka.server.share.persister.DefaultStatePersister', 'Class that persists the state of share groups.', {
    internal: true, inactive: SHARE_GROUPS,
  }),
  def('group.share.record.lock.duration.ms', 'INT', '30000', 'Time in ms a share group consumer holds an acquired record.', {
    v: between(1000, 3600000), inactive: SHARE_GROUPS,
  }),
  def('group.share.session.timeout.ms', 'INT', '45000', 'Session timeout in ms of share group members.', {
    v: atLeast(1), inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.append.linger.ms', 'INT', '-1', 'Time in ms the share coordinator waits to batch records into one write (-1: no wait).', {
    v: atLeast(-1), inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.cached.buffer.max.bytes', 'INT', '1048588', 'Largest write buffer in bytes the share coordinator keeps for reuse.', {
    v: atLeast(524288), dyn: CLUSTER, inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.cold.partition.snapshot.interval.ms', 'INT', '300000', 'How often in ms the share coordinator snapshots partitions without activity.', {
    v: atLeast(1), imp: 'LOW', internal: true, inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.load.buffer.size', 'INT', '5242880', 'Batch size in bytes used when loading share group state.', {
    v: atLeast(1), imp: 'HIGH', inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.snapshot.update.records.per.snapshot', 'INT', '500', 'Update records written between two snapshots of the state of a share partition.', {
    v: between(0, 500), inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.state.topic.compression.codec', 'INT', '0', 'Compression codec id used for __share_group_state writes (0: none).', {
    imp: 'HIGH', inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.state.topic.min.isr', 'SHORT', '2', 'min.insync.replicas of __share_group_state.', {
    v: atLeast(1), imp: 'HIGH', inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.state.topic.num.partitions', 'INT', '50', 'Partition count of __share_group_state.', {
    v: atLeast(1), imp: 'HIGH', inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.state.topic.prune.interval.ms', 'INT', '300000', 'How often in ms obsolete records of __share_group_state are pruned.', {
    v: atLeast(1), imp: 'LOW', internal: true, inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.state.topic.replication.factor', 'SHORT', '3', 'Replication factor of __share_group_state.', {
    v: atLeast(1), imp: 'HIGH', inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.state.topic.segment.bytes', 'INT', '104857600', 'Segment size in bytes of __share_group_state.', {
    v: atLeast(1), imp: 'HIGH', inactive: SHARE_GROUPS,
  }),
  def('share.coordinator.threads', 'INT', '1', 'Threads of the share coordinator.', { v: atLeast(1), inactive: SHARE_GROUPS }),
  def('share.coordinator.write.timeout.ms', 'INT', '5000', 'Time in ms a share coordinator write waits for replication.', {
    v: atLeast(1), imp: 'HIGH', inactive: SHARE_GROUPS,
  }),
  def('share.fetch.purgatory.purge.interval.requests', 'INT', '1000', 'Purge interval (in requests) of the share fetch purgatory.', {
    inactive: SHARE_GROUPS,
  }),
  // Streams groups (KIP-1071)
  def('group.streams.acceptable.recovery.lag', 'LONG', '10000', 'Lag below which a streams task is considered caught up.', {
    v: atLeast(0), internal: true, inactive: STREAMS_GROUPS,
  }),
  def('group.streams.assignment.interval.ms', 'INT', '1000', 'Minimum time in ms between two target assignment computations of a streams group.', {
    v: atLeast(0), dyn: CLUSTER, inactive: STREAMS_GROUPS,
  }),
  def('group.streams.assignor.offload.enable', 'BOOLEAN', 'true', 'Whether streams group assignments are computed off the coordinator thread.', {
    dyn: CLUSTER, internal: true, inactive: STREAMS_GROUPS,
  }),
  def('group.streams.assignors', 'LIST', 'sticky', 'Server-side assignors of streams groups (KIP-1071).', { inactive: STREAMS_GROUPS }),
  def('group.streams.heartbeat.interval.ms', 'INT', '5000', 'Heartbeat interval in ms given to streams group members.', {
    v: atLeast(1), inactive: STREAMS_GROUPS,
  }),
  def('group.streams.initial.rebalance.delay.ms', 'INT', '3000', 'Time in ms a new streams group waits for more members before its first assignment.', {
    v: atLeast(0), inactive: STREAMS_GROUPS,
  }),
  def('group.streams.max.assignment.interval.ms', 'INT', '15000', 'Upper bound of group.streams.assignment.interval.ms.', {
    v: atLeast(0), inactive: STREAMS_GROUPS,
  }),
  def('group.streams.max.heartbeat.interval.ms', 'INT', '15000', 'Largest allowed streams group heartbeat interval in ms.', {
    v: atLeast(1), inactive: STREAMS_GROUPS,
  }),
  def('group.streams.max.session.timeout.ms', 'INT', '60000', 'Largest allowed streams group session timeout in ms.', {
    v: atLeast(1), inactive: STREAMS_GROUPS,
  }),
  def('group.streams.max.size', 'INT', '2147483647', 'Maximum number of members in a streams group.', {
    v: atLeast(1), inactive: STREAMS_GROUPS,
  }),
  def('group.streams.max.standby.replicas', 'INT', '2', 'Upper bound of group.streams.num.standby.replicas.', {
    v: atLeast(0), inactive: STREAMS_GROUPS,
  }),
  def('group.streams.max.warmup.replicas', 'INT', '20', 'Upper bound of group.streams.num.warmup.replicas.', {
    v: atLeast(0), internal: true, inactive: STREAMS_GROUPS,
  }),
  def('group.streams.min.assignment.interval.ms', 'INT', '0', 'Lower bound of group.streams.assignment.interval.ms.', {
    v: atLeast(0), inactive: STREAMS_GROUPS,
  }),
  def('group.streams.min.heartbeat.interval.ms', 'INT', '5000', 'Smallest allowed streams group heartbeat interval in ms.', {
    v: atLeast(1), inactive: STREAMS_GROUPS,
  }),
  def('group.streams.min.session.timeout.ms', 'INT', '45000', 'Smallest allowed streams group session timeout in ms.', {
    v: atLeast(1), inactive: STREAMS_GROUPS,
  }),
  def('group.streams.min.task.offset.interval.ms', 'INT', '15000', 'Lower bound of group.streams.task.offset.interval.ms.', {
    v: atLeast(1), internal: true, inactive: STREAMS_GROUPS,
  }),
  def('group.streams.num.standby.replicas', 'INT', '0', 'Standby replicas per streams task.', { v: atLeast(0), inactive: STREAMS_GROUPS }),
  def('group.streams.num.warmup.replicas', 'INT', '2', 'Warm-up replicas per streams task.', {
    v: atLeast(0), internal: true, inactive: STREAMS_GROUPS,
  }),
  def('group.streams.rack.aware.assignment.tags', 'LIST', '', 'Client tags used for rack-aware assignment of streams standby tasks.', {
    imp: 'LOW', inactive: STREAMS_GROUPS,
  }),
  def('group.streams.session.timeout.ms', 'INT', '45000', 'Session timeout in ms of streams group members.', {
    v: atLeast(1), inactive: STREAMS_GROUPS,
  }),
  def('group.streams.task.offset.interval.ms', 'INT', '60000', 'How often in ms streams group members report their task offsets.', {
    v: atLeast(1), internal: true, inactive: STREAMS_GROUPS,
  }),
  def('group.streams.topology.description.plugin.class', 'CLASS', null, 'Class that receives the topology descriptions of streams groups.', {
    inactive: STREAMS_GROUPS,
  }),
  // Tiered storage (KIP-405)
  def('follower.fetch.last.tiered.offset.enable', 'BOOLEAN', 'false', 'Whether a new follower starts fetching at the last tiered offset (KIP-1023).', {
    dyn: CLUSTER, inactive: TIERED,
  }),
  def('log.remote.copy.lag.bytes', 'LONG', '-1', 'Default bytes a segment may wait before it is copied to tiered storage (topic: remote.copy.lag.bytes).', {
    v: atLeast(-1), dyn: CLUSTER, inactive: TIERED,
  }),
  def('log.remote.copy.lag.ms', 'LONG', '0', 'Default time in ms a segment may wait before it is copied to tiered storage (topic: remote.copy.lag.ms).', {
    v: atLeast(-1), dyn: CLUSTER, inactive: TIERED,
  }),
  def('remote.fetch.max.wait.ms', 'INT', '500', 'Longest time in ms a fetch waits for data from tiered storage.', {
    v: atLeast(1), dyn: CLUSTER, inactive: TIERED,
  }),
  def('remote.list.offsets.request.timeout.ms', 'LONG', '30000', 'Timeout in ms of a ListOffsets request served from tiered storage.', {
    v: atLeast(1), dyn: CLUSTER, inactive: TIERED,
  }),
  def('remote.log.index.file.cache.total.size.bytes', 'LONG', '1073741824', 'Disk budget in bytes of the cache of tiered index files.', {
    v: atLeast(1), imp: 'LOW', dyn: CLUSTER, inactive: TIERED,
  }),
  def('remote.log.index.file.cache.ttl.ms', 'LONG', '900000', 'Time in ms a cached tiered index file is kept.', {
    v: atLeast(-1), imp: 'LOW', internal: true, inactive: TIERED,
  }),
  def('remote.log.manager.copier.thread.pool.size', 'INT', '10', 'Threads copying segments to tiered storage.', {
    v: atLeast(1), dyn: CLUSTER, inactive: TIERED,
  }),
  def('remote.log.manager.copy.max.bytes.per.second', 'LONG', '9223372036854775807', 'Throttle in bytes per second of copies to tiered storage.', {
    v: atLeast(1), dyn: CLUSTER, inactive: TIERED,
  }),
  def('remote.log.manager.copy.quota.window.num', 'INT', '11', 'Samples kept for the tiered copy quota.', {
    v: atLeast(1), inactive: TIERED,
  }),
  def('remote.log.manager.copy.quota.window.size.seconds', 'INT', '1', 'Length in seconds of a tiered copy quota sample.', {
    v: atLeast(1), inactive: TIERED,
  }),
  def('remote.log.manager.expiration.thread.pool.size', 'INT', '10', 'Threads deleting expired segments from tiered storage.', {
    v: atLeast(1), dyn: CLUSTER, inactive: TIERED,
  }),
  def('remote.log.manager.fetch.max.bytes.per.second', 'LONG', '9223372036854775807', 'Throttle in bytes per second of reads from tiered storage.', {
    v: atLeast(1), dyn: CLUSTER, inactive: TIERED,
  }),
  def('remote.log.manager.fetch.quota.window.num', 'INT', '11', 'Samples kept for the tiered fetch quota.', {
    v: atLeast(1), inactive: TIERED,
  }),
  def('remote.log.manager.fetch.quota.window.size.seconds', 'INT', '1', 'Length in seconds of a tiered fetch quota sample.', {
    v: atLeast(1), inactive: TIERED,
  }),
  def('remote.log.manager.follower.thread.pool.size', 'INT', '2', 'Threads of followers reading tiered metadata.', {
    v: atLeast(1), dyn: CLUSTER, inactive: TIERED,
  }),
  def('remote.log.manager.task.interval.ms', 'LONG', '30000', 'Interval in ms of the tiered storage tasks.', {
    v: atLeast(1), imp: 'LOW', inactive: TIERED,
  }),
  def('remote.log.manager.task.retry.backoff.max.ms', 'LONG', '30000', 'Maximum backoff in ms between retries of a failed tiered storage task.', {
    v: atLeast(1), imp: 'LOW', internal: true, inactive: TIERED,
  }),
  def('remote.log.manager.task.retry.backoff.ms', 'LONG', '500', 'Initial backoff in ms between retries of a failed tiered storage task.', {
    v: atLeast(1), imp: 'LOW', internal: true, inactive: TIERED,
  }),
  def('remote.log.manager.task.retry.jitter', 'DOUBLE', '0.2', 'Random jitter fraction of the tiered storage task retry backoff.', {
    v: between(0, 0.5), imp: 'LOW', internal: true, inactive: TIERED,
  }),
  def('remote.log.manager.thread.pool.size', 'INT', '2', 'Threads of the tiered storage tasks.', { v: atLeast(1), inactive: TIERED }),
  def('remote.log.metadata.custom.metadata.max.bytes', 'INT', '128', 'Largest custom metadata in bytes a remote storage manager may attach to a segment.', {
    v: atLeast(0), imp: 'LOW', inactive: TIERED,
  }),
  def('remote.log.metadata.manager.class.name', 'STRING', 'org.apache.kafka.server.log.remote.metadata.storage.TopicBasedRemoteLogMetadataManager', 'Class of the remote log metadata manager.', {
    v: nonEmptyString, inactive: TIERED,
  }),
  def('remote.log.metadata.manager.class.path', 'STRING', null, 'Class path of the remote log metadata manager.', { inactive: TIERED }),
  def('remote.log.metadata.manager.impl.prefix', 'STRING', 'rlmm.config.', 'Prefix of the configs passed to the remote log metadata manager.', {
    v: nonEmptyString, inactive: TIERED,
  }),
  def('remote.log.metadata.manager.listener.name', 'STRING', null, 'Listener the remote log metadata manager connects to.', {
    v: nonEmptyString, inactive: TIERED,
  }),
  def('remote.log.reader.max.pending.tasks', 'INT', '100', 'Maximum queued reads from tiered storage.', {
    v: atLeast(1), inactive: TIERED,
  }),
  def('remote.log.reader.threads', 'INT', '10', 'Threads reading from tiered storage.', { v: atLeast(1), dyn: CLUSTER, inactive: TIERED }),
  def('remote.log.storage.manager.class.name', 'STRING', null, 'Class of the remote storage manager.', {
    v: nonEmptyString, inactive: TIERED,
  }),
  def('remote.log.storage.manager.class.path', 'STRING', null, 'Class path of the remote storage manager.', { inactive: TIERED }),
  def('remote.log.storage.manager.impl.prefix', 'STRING', 'rsm.config.', 'Prefix of the configs passed to the remote storage manager.', {
    v: nonEmptyString, inactive: TIERED,
  }),
  // Security: delegation tokens, OAuth, config providers
  def('config.providers', 'LIST', '', 'Names of the config providers that resolve ${provider:path:key} references in config values (KIP-297).', {
    imp: 'LOW', dyn: CLUSTER, refused: 'config providers (KIP-297) are not supported: ${...} references in values would be taken literally',
  }),
  def('delegation.token.expiry.check.interval.ms', 'LONG', '3600000', 'How often in ms expired delegation tokens are removed.', {
    v: atLeast(1), imp: 'LOW', refused: DELEGATION_TOKENS,
  }),
  def('delegation.token.expiry.time.ms', 'LONG', '86400000', 'Lifetime in ms of a delegation token before it must be renewed.', {
    v: atLeast(1), refused: DELEGATION_TOKENS,
  }),
  def('delegation.token.max.lifetime.ms', 'LONG', '604800000', 'Longest lifetime in ms a delegation token may be renewed to.', {
    v: atLeast(1), refused: DELEGATION_TOKENS,
  }),
  def('delegation.token.secret.key', 'PASSWORD', null, 'Secret key that signs delegation tokens; setting it enables them.', {
    refused: DELEGATION_TOKENS,
  }),
  def('sasl.oauthbearer.allow.unverified.audience', 'BOOLEAN', 'false', 'Whether the JWKS validator may run without sasl.oauthbearer.expected.audience (tokens of any audience).'),
  def('sasl.oauthbearer.allow.unverified.issuer', 'BOOLEAN', 'false', 'Whether the JWKS validator may run without sasl.oauthbearer.expected.issuer (tokens of any issuer).'),
  def('sasl.oauthbearer.assertion.algorithm', 'STRING', 'RS256', 'Signing algorithm of OAuth client assertions.', {
    v: oneOfIgnoreCase('ES256', 'RS256'), refused: SASL,
  }),
  def('sasl.oauthbearer.assertion.claim.aud', 'STRING', null, 'Audience claim of OAuth client assertions.', { refused: SASL }),
  def('sasl.oauthbearer.assertion.claim.exp.seconds', 'INT', '300', 'Lifetime in seconds of OAuth client assertions.', {
    v: between(0, 86400), imp: 'LOW', refused: SASL,
  }),
  def('sasl.oauthbearer.assertion.claim.iss', 'STRING', null, 'Issuer claim of OAuth client assertions.', { refused: SASL }),
  def('sasl.oauthbearer.assertion.claim.jti.include', 'BOOLEAN', 'false', 'Whether OAuth client assertions carry a unique id.', {
    refused: SASL,
  }),
  def('sasl.oauthbearer.assertion.claim.nbf.seconds', 'INT', '60', 'How far back in seconds the not-before claim of an OAuth client assertion lies.', {
    v: between(0, 3600), imp: 'LOW', refused: SASL,
  }),
  def('sasl.oauthbearer.assertion.claim.sub', 'STRING', null, 'Subject claim of OAuth client assertions.', { refused: SASL }),
  def('sasl.oauthbearer.assertion.file', 'STRING', null, 'File holding a ready-made OAuth client assertion.', { refused: SASL }),
  def('sasl.oauthbearer.assertion.private.key.file', 'STRING', null, 'File of the private key that signs OAuth client assertions.', {
    refused: SASL,
  }),
  def('sasl.oauthbearer.assertion.private.key.passphrase', 'PASSWORD', null, 'Passphrase of the OAuth client assertion private key.', {
    refused: SASL,
  }),
  def('sasl.oauthbearer.assertion.template.file', 'STRING', null, 'Template file of OAuth client assertions.', { refused: SASL }),
  def('sasl.oauthbearer.client.credentials.client.id', 'STRING', null, 'Client id of the OAuth client credentials grant.', {
    refused: SASL,
  }),
  def('sasl.oauthbearer.client.credentials.client.secret', 'PASSWORD', null, 'Client secret of the OAuth client credentials grant.', {
    refused: SASL,
  }),
  def('sasl.oauthbearer.jwt.retriever.class', 'CLASS', 'org.apache.kafka.common.security.oauthbearer.DefaultJwtRetriever', 'Class that retrieves OAuth tokens.', {
    refused: SASL,
  }),
  def('sasl.oauthbearer.jwt.validator.class', 'CLASS', 'org.apache.kafka.common.security.oauthbearer.DefaultJwtValidator', 'Class that validates OAuth tokens.', {
    refused: SASL,
  }),
  def('sasl.oauthbearer.scope', 'STRING', null, 'Scope requested with OAuth tokens.', { refused: SASL }),
  // KRaft, consumer groups, transactions and others
  def('add.partitions.to.txn.retry.backoff.max.ms', 'INT', '100', 'Maximum backoff in ms between retries of the transaction verification a produce makes (KIP-890).', {
    v: atLeast(0), imp: 'HIGH', inactive: true,
  }),
  def('add.partitions.to.txn.retry.backoff.ms', 'INT', '20', 'Initial backoff in ms between retries of the transaction verification a produce makes (KIP-890).', {
    v: atLeast(1), imp: 'HIGH', inactive: true,
  }),
  def('controller.performance.always.log.threshold.ms', 'LONG', '2000', 'Controller events slower than this many ms are always logged.', {
    v: atLeast(0), internal: true, inactive: true,
  }),
  def('controller.performance.sample.period.ms', 'LONG', '60000', 'Period in ms of the controller performance summary log.', {
    v: atLeast(100), internal: true, inactive: true,
  }),
  def('cordoned.log.dirs', 'LIST', '', 'Log directories where no new partition replicas are placed.', { dyn: PER_BROKER, inactive: true }),
  def('group.consumer.assignment.interval.ms', 'INT', '1000', 'Minimum time in ms between two target assignment computations of a consumer group.', {
    v: atLeast(0), dyn: CLUSTER, inactive: true,
  }),
  def('group.consumer.assignor.offload.enable', 'BOOLEAN', 'true', 'Whether consumer group assignments are computed off the coordinator thread.', {
    dyn: CLUSTER, internal: true, inactive: true,
  }),
  def('group.consumer.max.assignment.interval.ms', 'INT', '15000', 'Upper bound of group.consumer.assignment.interval.ms.', {
    v: atLeast(0), inactive: true,
  }),
  def('group.consumer.min.assignment.interval.ms', 'INT', '0', 'Lower bound of group.consumer.assignment.interval.ms.', {
    v: atLeast(0), inactive: true,
  }),
  def('group.consumer.regex.refresh.interval.ms', 'INT', '600000', 'How often in ms the topics matching consumer group regular expressions are refreshed.', {
    v: atLeast(10000), internal: true, inactive: true,
  }),
  def('group.coordinator.background.threads', 'INT', '2', 'Threads of the group coordinator for background work.', {
    v: atLeast(1), imp: 'HIGH', inactive: true,
  }),
  def('group.coordinator.cached.buffer.max.bytes', 'INT', '1048588', 'Largest write buffer in bytes the group coordinator keeps for reuse.', {
    v: atLeast(524288), dyn: CLUSTER, inactive: true,
  }),
  def('internal.metadata.delete.delay.millis', 'LONG', '60000', 'Delay in ms before metadata log files are deleted (tests).', {
    imp: 'LOW', internal: true, inactive: true,
  }),
  def('internal.metadata.log.segment.bytes', 'INT', null, 'Segment size of the metadata log without its lower bound (tests).', {
    imp: 'LOW', internal: true, inactive: true,
  }),
  def('internal.metadata.max.batch.size.in.bytes', 'INT', '8388608', 'Largest metadata log batch in bytes (tests).', {
    imp: 'LOW', internal: true, inactive: true,
  }),
  def('max.decompressed.message.bytes', 'INT', '2147483639', 'Largest decompressed size in bytes of a record batch the broker accepts.', {
    v: between(1, 2147483639), dyn: CLUSTER, inactive: true,
  }),
  def('transaction.two.phase.commit.enable', 'BOOLEAN', 'false', 'Whether producers may take part in two-phase commit with external transaction managers (KIP-939).', {
    imp: 'LOW', inactive: 'two-phase commit with external transaction managers (KIP-939) is not built yet',
  }),
] as const;
