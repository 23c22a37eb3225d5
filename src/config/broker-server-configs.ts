// Broker server configs from Kafka 3.9: `ServerConfigs`, `KRaftConfigs`, `QuorumConfig`, `SocketServerConfigs`
// and `ReplicationConfigs` (ZooKeeper-only configs are left out: this broker runs KRaft only), plus the configs
// that only this broker has (marked `extension`). Dynamic modes follow `DynamicBrokerConfig`,
// `DynamicThreadPool`, `DynamicListenerConfig` and `SocketServer.ReconfigurableConfigs`.

import { atLeast, defineBroker as def, listOf, oneOf, validator } from './config-def.ts';
import { listenerListValidator, SECURITY_PROTOCOLS, securityProtocolMapValidator } from './endpoint.ts';
import { maxConnectionsPerIpOverridesValidator } from './max-connections-per-ip-overrides.ts';
import { bootstrapServersValidator, quorumVotersValidator } from './quorum-voter.ts';
import { metadataVersionString } from './topic-configs.ts';

const CLUSTER = 'cluster-wide';
const PER_BROKER = 'per-broker';
const INT_MAX = '2147483647';

/** Why the inactive configs of this file have no effect yet (docs and the start-up warning say so). */
const THREADS = 'requests and sockets are served by one event loop and file I/O by the libuv thread pool, sized by UV_THREADPOOL_SIZE';
const OUTGOING = 'this node opens no connections to other nodes yet';
const REPLICATION = 'replication between brokers is not built yet';
const PURGATORY = 'completed requests leave the purgatories at once: there is nothing to purge';
/** Why the refused configs of this file stop the start. */

/**
 * replica.selector.class: Kafka loads any ReplicaSelector class; this broker has only the one Kafka ships (KIP-392),
 * so any other name stops the start instead of being ignored.
 */
const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';
const replicaSelectorClass = validator(`null or ${RACK_AWARE_REPLICA_SELECTOR}`, (v) => (v === RACK_AWARE_REPLICA_SELECTOR
  ? null
  : `ReplicaSelector class ${String(v)} is not available: this broker implements only ${RACK_AWARE_REPLICA_SELECTOR} (or leave it unset to read from leaders only)`));

/** Kafka's default listener.security.protocol.map (the order of Java's HashMap over the protocol names). */
export const DEFAULT_LISTENER_SECURITY_PROTOCOL_MAP = 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT';

/** Node identity, KRaft, quorum, network and replication configs. */
export const BROKER_SERVER_CONFIGS = [
  // ServerConfigs
  def('broker.id', 'INT', '-1', 'Legacy name of node.id; when set it must equal node.id.', { imp: 'HIGH' }),
  def('num.io.threads', 'INT', '8', 'Number of request handler threads.', {
    v: atLeast(1), imp: 'HIGH', dyn: CLUSTER, inactive: THREADS,
  }),
  def('num.replica.alter.log.dirs.threads', 'INT', null, 'Threads moving replicas between log directories (default: one per directory).', {
    imp: 'HIGH', inactive: true,
  }),
  def('background.threads', 'INT', '10', 'Threads for background tasks such as deleting files.', { v: atLeast(1), imp: 'HIGH', dyn: CLUSTER, inactive: THREADS }),
  def('request.timeout.ms', 'INT', '30000', 'Timeout in ms of requests this node sends to other nodes.', { imp: 'HIGH' }),
  def('socket.connection.setup.timeout.ms', 'LONG', '10000', 'Time in ms an outgoing connection may take to establish.', { inactive: OUTGOING }),
  def('socket.connection.setup.timeout.max.ms', 'LONG', '30000', 'Upper bound in ms of the exponential connection setup timeout.', { inactive: OUTGOING }),
  def('early.start.listeners', 'STRING', null, 'Listeners started before the authorizer has loaded its ACLs.', { imp: 'HIGH', inactive: true }),
  def('broker.rack', 'STRING', null, 'Rack of this broker, used for rack-aware replica placement and fetch-from-follower.'),
  def('controlled.shutdown.max.retries', 'INT', '3', 'Attempts at a controlled shutdown before an unclean one.', { inactive: true }),
  def('controlled.shutdown.retry.backoff.ms', 'LONG', '5000', 'Wait in ms between controlled shutdown attempts.', { inactive: true }),
  def('controlled.shutdown.enable', 'BOOLEAN', 'true', 'Whether leadership is moved away before this broker shuts down.'),
  def('delete.topic.enable', 'BOOLEAN', 'true', 'Whether DeleteTopics requests are allowed.', { imp: 'HIGH' }),
  def('max.incremental.fetch.session.cache.slots', 'INT', '1000', 'Maximum number of incremental fetch sessions kept (KIP-227).', {
    v: atLeast(0),
  }),
  def('fetch.max.bytes', 'INT', '57671680', 'Upper bound in bytes of the data returned by one Fetch request.', { v: atLeast(1024) }),
  def('max.request.partition.size.limit', 'INT', '2000', 'Maximum number of partitions one DescribeTopicPartitions response may hold.', {
    v: atLeast(1),
  }),
  def('unstable.api.versions.enable', 'BOOLEAN', 'false', 'Whether unreleased API versions are advertised.', {
    imp: 'HIGH', internal: true, inactive: 'no unreleased API version is served',
  }),
  def('unstable.feature.versions.enable', 'BOOLEAN', 'false', 'Whether unreleased feature versions may be enabled.', {
    imp: 'HIGH', internal: true, inactive: true,
  }),
  // KRaftConfigs
  def('process.roles', 'LIST', '', 'Roles of this node: broker, controller, or both (combined mode).', {
    v: listOf('broker', 'controller'), imp: 'HIGH',
  }),
  def('node.id', 'INT', '-1', 'Unique id of this node in the cluster; required.', { imp: 'HIGH' }),
  def('initial.broker.registration.timeout.ms', 'INT', '60000', 'Time in ms a broker waits for its first registration before giving up.'),
  def('broker.heartbeat.interval.ms', 'INT', '2000', 'Time in ms between broker heartbeats to the controller.'),
  def('broker.session.timeout.ms', 'INT', '9000', 'Time in ms without heartbeat after which the controller fences a broker.'),
  def('controller.listener.names', 'STRING', null, 'Comma-separated names of the listeners used by the controller.', { imp: 'HIGH' }),
  def('sasl.mechanism.controller.protocol', 'STRING', 'GSSAPI', 'SASL mechanism of the node\'s own connections to a SASL controller listener: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (credentials: the username and password of the listener\'s JAAS entry).', { imp: 'HIGH' }),
  def('metadata.log.dir', 'STRING', null, 'Directory of the metadata log (default: the first log directory).', { imp: 'HIGH' }),
  def('metadata.log.segment.bytes', 'INT', '1073741824', 'Segment size in bytes of the metadata log.', { v: atLeast(12), imp: 'HIGH' }),
  def('metadata.log.segment.min.bytes', 'INT', '8388608', 'Lower bound of metadata.log.segment.bytes (for tests).', {
    v: atLeast(12), imp: 'HIGH', internal: true, inactive: true,
  }),
  def('metadata.log.segment.ms', 'LONG', '604800000', 'Time in ms before a metadata log segment rolls.', { imp: 'HIGH' }),
  def('metadata.max.retention.bytes', 'LONG', '104857600', 'Metadata log bytes kept before old snapshots and segments are deleted.', {
    imp: 'HIGH',
  }),
  def('metadata.max.retention.ms', 'LONG', '604800000', 'Time in ms metadata snapshots and segments are kept.', { imp: 'HIGH' }),
  def('metadata.log.max.record.bytes.between.snapshots', 'LONG', '20971520', 'Metadata bytes appended before a new snapshot is taken.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('metadata.log.max.snapshot.interval.ms', 'LONG', '3600000', 'Maximum time in ms between metadata snapshots (0: no time trigger).', {
    v: atLeast(0), imp: 'HIGH',
  }),
  def('metadata.max.idle.interval.ms', 'INT', '500', 'Interval in ms at which an idle active controller appends a no-op record.', {
    v: atLeast(0), imp: 'LOW', inactive: true,
  }),
  def('server.max.startup.time.ms', 'LONG', '9223372036854775807', 'Maximum time in ms a node may take to catch up with metadata at startup.', {
    v: atLeast(0), internal: true,
  }),
  // QuorumConfig
  def('controller.quorum.voters', 'LIST', '', 'Static controller quorum as id@host:port entries.', { v: quorumVotersValidator, imp: 'HIGH' }),
  def('controller.quorum.bootstrap.servers', 'LIST', '', 'Controller addresses (host:port) used to discover a dynamic quorum.', {
    v: bootstrapServersValidator, imp: 'HIGH',
  }),
  def('controller.quorum.election.timeout.ms', 'INT', '1000', 'Time in ms without a leader before a voter starts an election.', {
    imp: 'HIGH',
  }),
  def('controller.quorum.fetch.timeout.ms', 'INT', '2000', 'Time in ms without a successful fetch before a follower becomes a candidate.', {
    imp: 'HIGH',
  }),
  def('controller.quorum.election.backoff.max.ms', 'INT', '1000', 'Maximum backoff in ms before a new election.', { imp: 'HIGH' }),
  def('controller.quorum.append.linger.ms', 'INT', '25', 'Time in ms the quorum leader waits to batch writes before flushing.'),
  def('controller.quorum.request.timeout.ms', 'INT', '2000', 'Timeout in ms of quorum requests.'),
  def('controller.quorum.retry.backoff.ms', 'INT', '20', 'Wait in ms before retrying a failed quorum request.', { imp: 'LOW' }),
  def('controller.quorum.fetch.max.bytes', 'INT', '1048576', 'Largest amount of data in bytes a Fetch of the metadata log returns (at least one batch).', {
    v: atLeast(1), imp: 'LOW',
  }),
  def('controller.quorum.fetch.snapshot.max.bytes', 'INT', '1048576', 'Largest amount of data in bytes one FetchSnapshot request returns.', {
    v: atLeast(1), imp: 'LOW',
  }),
  def('controller.quorum.auto.join.enable', 'BOOLEAN', 'false', 'Whether a controller that is not a voter of a dynamic quorum asks the leader to add it as a voter.', {
    imp: 'LOW',
  }),
  // SocketServerConfigs
  def('listeners', 'STRING', 'PLAINTEXT://:9092', 'Addresses to listen on, as NAME://host:port; an empty host binds all interfaces.', {
    v: listenerListValidator, imp: 'HIGH', dyn: PER_BROKER,
  }),
  def('advertised.listeners', 'STRING', null, 'Addresses published to clients and other brokers (default: listeners).', {
    v: listenerListValidator, imp: 'HIGH', dyn: PER_BROKER,
  }),
  def('listener.security.protocol.map', 'STRING', DEFAULT_LISTENER_SECURITY_PROTOCOL_MAP, 'Security protocol of each listener name, as NAME:PROTOCOL pairs.', {
    v: securityProtocolMapValidator, imp: 'LOW', dyn: PER_BROKER,
  }),
  def('socket.send.buffer.bytes', 'INT', '102400', 'SO_SNDBUF of server sockets in bytes (-1: OS default).', { imp: 'HIGH' }),
  def('socket.receive.buffer.bytes', 'INT', '102400', 'SO_RCVBUF of server sockets in bytes (-1: OS default).', { imp: 'HIGH' }),
  def('socket.request.max.bytes', 'INT', '104857600', 'Largest request in bytes a client may send.', { v: atLeast(1), imp: 'HIGH' }),
  def('socket.listen.backlog.size', 'INT', '50', 'Maximum queue of pending connections on a listening socket.', { v: atLeast(1) }),
  def('max.connections.per.ip', 'INT', INT_MAX, 'Maximum connections accepted from one IP address.', { v: atLeast(0), dyn: CLUSTER }),
  def('max.connections.per.ip.overrides', 'STRING', '', 'Per-IP or per-hostname overrides of max.connections.per.ip (host:count,...).', {
    v: maxConnectionsPerIpOverridesValidator, dyn: CLUSTER,
  }),
  def('max.connections', 'INT', INT_MAX, 'Maximum connections accepted by the broker at any time.', { v: atLeast(0), dyn: CLUSTER }),
  def('max.connection.creation.rate', 'INT', INT_MAX, 'Maximum new connections per second accepted by the broker.', {
    v: atLeast(0), dyn: CLUSTER,
  }),
  def('connections.max.idle.ms', 'LONG', '600000', 'Time in ms after which idle connections are closed.'),
  def('connection.failed.authentication.delay.ms', 'INT', '100', 'Delay in ms before closing a connection that failed authentication.', {
    v: atLeast(0), imp: 'LOW',
  }),
  def('queued.max.requests', 'INT', '500', 'Requests queued per connection before the broker stops reading from it.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('queued.max.request.bytes', 'LONG', '-1', 'Bytes of queued requests before the broker stops reading (-1: no limit).'),
  def('num.network.threads', 'INT', '3', 'Number of network threads.', {
    v: atLeast(1), imp: 'HIGH', dyn: CLUSTER, inactive: THREADS,
  }),
  // ReplicationConfigs
  def('controller.socket.timeout.ms', 'INT', '30000', 'Socket timeout in ms of controller-to-broker channels.'),
  def('default.replication.factor', 'INT', '1', 'Default replication factor of topics created without one.'),
  def('replica.lag.time.max.ms', 'LONG', '30000', 'Time in ms a follower may lag before it is removed from the ISR.', { imp: 'HIGH' }),
  def('replica.socket.timeout.ms', 'INT', '30000', 'Socket timeout in ms of follower fetch requests.', { imp: 'HIGH' }),
  def('replica.socket.receive.buffer.bytes', 'INT', '65536', 'Socket receive buffer in bytes of follower connections.', { imp: 'HIGH', inactive: REPLICATION }),
  def('replica.fetch.max.bytes', 'INT', '1048576', 'Bytes a follower fetches per partition per request.', { v: atLeast(0) }),
  def('replica.fetch.wait.max.ms', 'INT', '500', 'Maximum time in ms a follower fetch waits for data.', { imp: 'HIGH' }),
  def('replica.fetch.backoff.ms', 'INT', '1000', 'Time in ms a follower waits after a fetch error.', { v: atLeast(0) }),
  def('replica.fetch.min.bytes', 'INT', '1', 'Minimum bytes a follower fetch waits for.', { imp: 'HIGH' }),
  def('replica.fetch.response.max.bytes', 'INT', '10485760', 'Bytes a follower expects in one whole fetch response.', { v: atLeast(0) }),
  def('num.replica.fetchers', 'INT', '1', 'Fetcher connections per source broker used by followers.', { imp: 'HIGH', dyn: CLUSTER }),
  def('replica.high.watermark.checkpoint.interval.ms', 'LONG', '5000', 'How often in ms high watermarks are checkpointed to disk.', {
    imp: 'HIGH', inactive: 'high watermarks are checkpointed with the recovery points (log.flush.offset.checkpoint.interval.ms)',
  }),
  def('fetch.purgatory.purge.interval.requests', 'INT', '1000', 'Purge interval (in requests) of the fetch purgatory.', { inactive: PURGATORY }),
  def('producer.purgatory.purge.interval.requests', 'INT', '1000', 'Purge interval (in requests) of the produce purgatory.', { inactive: PURGATORY }),
  def('delete.records.purgatory.purge.interval.requests', 'INT', '1', 'Purge interval (in requests) of the delete-records purgatory.', { inactive: PURGATORY }),
  def('auto.leader.rebalance.enable', 'BOOLEAN', 'true', 'Whether the controller moves leadership back to preferred replicas.', { imp: 'HIGH' }),
  def('leader.imbalance.per.broker.percentage', 'INT', '10', 'Leader imbalance percentage per broker that triggers a rebalance.', {
    imp: 'HIGH', inactive: 'Kafka 4 removed it (KAFKA-18743): the KRaft controller gives every partition its preferred leader back',
  }),
  def('leader.imbalance.check.interval.seconds', 'LONG', '300', 'How often in seconds the controller checks leader imbalance.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('unclean.leader.election.interval.ms', 'LONG', '300000', 'How often in ms the controller tries unclean leader elections.', {
    v: atLeast(1), internal: true,
  }),
  def('security.inter.broker.protocol', 'STRING', 'PLAINTEXT', 'Security protocol between brokers (exclusive with inter.broker.listener.name).', {
    v: oneOf(...SECURITY_PROTOCOLS),
  }),
  def('inter.broker.protocol.version', 'STRING', '3.9-IV0', 'Inter-broker protocol version; ignored in KRaft mode (metadata.version governs).', {
    v: metadataVersionString, inactive: 'ignored in KRaft mode (metadata.version governs), as in Kafka',
  }),
  def('inter.broker.listener.name', 'STRING', null, 'Listener used between brokers (default: from security.inter.broker.protocol).'),
  def('replica.selector.class', 'STRING', null, 'ReplicaSelector class for fetch-from-follower (KIP-392): leaders send a consumer to a replica in its rack; null reads from leaders only.', {
    v: replicaSelectorClass,
  }),
  // Extensions of this broker.
  def('log.level', 'STRING', 'info', 'Level of the broker\'s own (pino) logger.', {
    v: oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'), imp: 'LOW', extension: true,
  }),
  def('socket.sendfile.enable', 'STRING', 'auto', 'Zero-copy fetch path: auto uses sendfile(2) when available, on requires it, off streams from user space.', {
    v: oneOf('auto', 'on', 'off'), imp: 'LOW', extension: true,
  }),
  def('metrics.prometheus.listener', 'STRING', '', 'host:port of an HTTP endpoint serving Prometheus metrics at /metrics (docs/metrics.md), /healthz and /readyz; empty disables it.', {
    imp: 'LOW', extension: true,
  }),
  def('console.listener', 'STRING', '', 'host:port of the read-only web console and its JSON API (docs/console.md; no authentication of its own: bind it to a trusted network); empty disables it.', {
    imp: 'LOW', extension: true,
  }),
  def('console.principal', 'STRING', 'User:ANONYMOUS', 'The principal (type:name) every web console read is authorized as, from the HTTP client\'s address, when an authorizer is configured.', {
    imp: 'LOW', extension: true,
  }),
] as const;
