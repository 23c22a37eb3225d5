// Checks across several broker configs, after the `require(...)` block of Kafka 3.9's `KafkaConfig.validateValues`
// (KRaft branches only) and `GroupCoordinatorConfig`'s constructor checks. Single-value checks (type, range,
// allowed values) are done by the table's validators before this runs.

import type { KafkaConfig } from './kafka-config.ts';

/** Runs `check`, turning a thrown Error into an error message. */
function attempt(errors: string[], check: () => void): void {
  try {
    check();
  } catch (e) {
    errors.push((e as Error).message);
  }
}

/**
 * Cross-config errors of a broker configuration (empty when consistent): KRaft identity and quorum, listeners,
 * retention/roll bounds, replica fetch timeouts, socket limits and consumer-group timeouts.
 */
export function validateKafkaConfig(config: KafkaConfig): string[] {
  const errors: string[] = [];
  const require = (ok: boolean, message: string): void => {
    if (!ok) errors.push(message);
  };

  const roles = config.processRoles;
  require(roles.length > 0, 'process.roles must be set (broker, controller or both): this broker runs in KRaft mode only');
  require(new Set(roles).size === roles.length, `Duplicate role names found in \`process.roles\`: ${roles.join(',')}`);
  require(
    config.nodeId >= 0,
    'Missing configuration `node.id` which is required when `process.roles` is defined (i.e. when running in KRaft mode).',
  );

  require(config.logRollTimeMs >= 1, 'log.roll.ms must be greater than or equal to 1');
  require(config.logRollTimeJitterMs >= 0, 'log.roll.jitter.ms must be greater than or equal to 0');
  require(
    config.logRetentionTimeMs >= 1 || config.logRetentionTimeMs === -1,
    'log.retention.ms must be unlimited (-1) or, greater than or equal to 1',
  );
  require(config.logDirs.length > 0, 'At least one log directory must be defined via log.dirs or log.dir.');
  const cleanerThreads = config.getInt('log.cleaner.threads');
  require(
    cleanerThreads === 0 || config.getLong('log.cleaner.dedupe.buffer.size') / cleanerThreads > 1024 * 1024,
    'log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.',
  );
  require(
    config.getLong('log.cleaner.min.compaction.lag.ms') <= config.getLong('log.cleaner.max.compaction.lag.ms'),
    'conflict topic config setting log.cleaner.min.compaction.lag.ms > log.cleaner.max.compaction.lag.ms',
  );
  const fetchWait = config.getInt('replica.fetch.wait.max.ms');
  require(
    fetchWait <= config.getInt('replica.socket.timeout.ms'),
    'replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts',
  );
  require(
    fetchWait <= config.getLong('replica.lag.time.max.ms'),
    'replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR',
  );
  const queuedBytes = config.getLong('queued.max.request.bytes');
  require(
    queuedBytes <= 0 || queuedBytes >= config.getInt('socket.request.max.bytes'),
    'queued.max.request.bytes must be larger or equal to socket.request.max.bytes',
  );
  require(
    config.getInt('max.connections.per.ip') !== 0 || (config.getString('max.connections.per.ip.overrides') ?? '') !== '',
    'max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.',
  );
  require(
    !(config.isSet('inter.broker.listener.name') && config.isSet('security.inter.broker.protocol')),
    'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.',
  );
  require(
    config.getList('group.coordinator.rebalance.protocols').includes('classic'),
    "Disabling the 'classic' protocol is not supported.",
  );
  validateGroupTimeouts(config, require);
  const ackRequired = config.getShort('offsets.commit.required.acks');
  require(
    ackRequired >= -1 && ackRequired <= config.getShort('offsets.topic.replication.factor'),
    'offsets.commit.required.acks must be greater or equal to -1 and less or equal to offsets.topic.replication.factor',
  );

  attempt(errors, () => validateQuorumAndListeners(config, require));
  return errors;
}

type Require = (ok: boolean, message: string) => void;

function validateGroupTimeouts(config: KafkaConfig, require: Require): void {
  const hb = config.getInt('group.consumer.heartbeat.interval.ms');
  const minHb = config.getInt('group.consumer.min.heartbeat.interval.ms');
  const maxHb = config.getInt('group.consumer.max.heartbeat.interval.ms');
  const session = config.getInt('group.consumer.session.timeout.ms');
  const minSession = config.getInt('group.consumer.min.session.timeout.ms');
  const maxSession = config.getInt('group.consumer.max.session.timeout.ms');
  require(maxHb >= minHb, 'group.consumer.max.heartbeat.interval.ms must be greater than or equals to group.consumer.min.heartbeat.interval.ms');
  require(hb >= minHb, 'group.consumer.heartbeat.interval.ms must be greater than or equals to group.consumer.min.heartbeat.interval.ms');
  require(hb <= maxHb, 'group.consumer.heartbeat.interval.ms must be less than or equals to group.consumer.max.heartbeat.interval.ms');
  require(maxSession >= minSession, 'group.consumer.max.session.timeout.ms must be greater than or equals to group.consumer.min.session.timeout.ms');
  require(session >= minSession, 'group.consumer.session.timeout.ms must be greater than or equals to group.consumer.min.session.timeout.ms');
  require(session <= maxSession, 'group.consumer.session.timeout.ms must be less than or equals to group.consumer.max.session.timeout.ms');
}

/** The KRaft branches of Kafka's `KafkaConfig.validateValues` (combined, broker-only, controller-only). */
function validateQuorumAndListeners(config: KafkaConfig, require: Require): void {
  const voterIds = config.quorumVoters.map((v) => v.id);
  const bootstrap = config.quorumBootstrapServers;
  const nodeId = config.nodeId;
  const isBroker = config.isBroker;
  const isController = config.isController;
  const controllerNames = config.controllerListenerNames;
  const listenerNames = config.listeners.map((e) => e.listenerName);
  if (config.processRoles.length === 0) return;

  require(
    voterIds.length > 0 || bootstrap.length > 0,
    'If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers ' +
      'or controller.quorum.voters must contain a parseable set of controllers.',
  );
  if (isController) {
    require(
      voterIds.length === 0 || voterIds.includes(nodeId),
      `If process.roles contains the 'controller' role, the node id ${nodeId} must be included in the set of voters controller.quorum.voters=[${voterIds.join(', ')}]`,
    );
    require(
      config.controllerListeners.length > 0,
      "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role",
    );
    require(
      controllerNames.every((n) => listenerNames.includes(n)),
      "controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role",
    );
    if (!isBroker) {
      require(
        config.controllerListeners.length === config.listeners.length,
        'The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller',
      );
    }
  } else {
    require(
      !voterIds.includes(nodeId),
      `If process.roles contains just the 'broker' role, the node id ${nodeId} must not be included in the set of voters controller.quorum.voters=[${voterIds.join(', ')}]`,
    );
    require(controllerNames.length > 0, 'controller.listener.names must contain at least one value when running KRaft with just the broker role');
    require(
      config.controllerListeners.length === 0,
      "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role",
    );
    for (const n of controllerNames) {
      require(
        config.listenerSecurityProtocolMap.has(n),
        `Controller listener with name ${n} defined in controller.listener.names not found in listener.security.protocol.map  ` +
          '(an explicit security mapping for each controller listener is required if listener.security.protocol.map is non-empty, ' +
          'or if there are security protocols other than PLAINTEXT in use)',
      );
    }
  }
  if (isBroker) {
    const advertised = config.advertisedListeners.map((e) => e.listenerName);
    require(
      advertised.length > 0,
      'There must be at least one broker advertised listener. Perhaps all listeners appear in controller.listener.names?',
    );
    require(
      advertised.includes(config.interBrokerListenerName),
      `inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${advertised.join(',')}`,
    );
    require(
      advertised.every((n) => listenerNames.includes(n)),
      `advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found ${advertised.join(',')}. ` +
        `The valid options based on the current configuration are ${listenerNames.join(',')}`,
    );
  }
  require(
    ![...config.advertisedListeners, ...config.advertisedControllerListeners].some((e) => e.host === '0.0.0.0'),
    'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.',
  );
}
