// Broker configs from environment variables, as the official apache/kafka Docker image does it
// (core/.../docker/KafkaDockerWrapper.scala `getServerConfigsFromEnv`, docker/resources/common-scripts/configure):
//   KAFKA_FOO_BAR=x -> foo.bar=x: drop the KAFKA_ prefix, lower-case, then '_' -> '.', and of the result
//   '...' -> '-' and '..' -> '_' (so in the variable name '___' means '-' and '__' means '_').
// Variables that configure the JVM or log4j rather than the broker are ignored (the image's
// ExcludeServerPropsEnv set; we also ignore KAFKA_JMX_PORT, KAFKA_DEBUG and any KAFKA_LOG4J_* / KAFKA_*_OPTS, which
// the image would copy into server.properties where Java Kafka silently ignores them but we would reject them).
// KAFKA_LOG4J_ROOT_LOGLEVEL (e.g. DEBUG) sets our log.level unless KAFKA_LOG_LEVEL is given.
// A KAFKA_* variable whose name maps to no broker config is ignored and reported (`unknown`), as Kafka only warns
// about an unknown name the image wrote into server.properties: Kubernetes defines KAFKA_PORT, KAFKA_SERVICE_HOST,
// KAFKA_SERVICE_PORT, KAFKA_PORT_9092_TCP... in every pod of a namespace with a Service named `kafka`, and those
// must not stop the broker. (Unknown names in a file or --override stay fatal.)
// As in the image's `configure` script, when KAFKA_LISTENERS is unset and the node is not controller-only,
// listeners are derived from KAFKA_ADVERTISED_LISTENERS with every host replaced by 0.0.0.0, and
// KAFKA_ADVERTISED_LISTENERS on a controller-only node is an error. CLUSTER_ID is the cluster id used to format
// the log directories.
//
// Deliberate differences: the image strips every "KAFKA_" substring of the name (String.replace); we strip only
// the prefix. The image writes env configs into a fresh server.properties that replaces the default file unless
// one is mounted (and then the derived listeners replace the file's); here env configs are layered over the file
// or the built-in settings, and the derived listeners replace only the file's listeners of the same names, so a
// CONTROLLER listener that KAFKA_ADVERTISED_LISTENERS does not name stays.

import { NOT_CONFIGS } from './broker-configs.ts';
import { brokerConfigKey } from './broker-config-key.ts';
import { ConfigException } from './config-exception.ts';

/** The image's ExcludeServerPropsEnv plus JVM-only variables that the image leaves to the JVM scripts. */
const IGNORED = new Set([
  'KAFKA_VERSION',
  'KAFKA_HEAP_OPTS',
  'KAFKA_LOG4J_OPTS',
  'KAFKA_OPTS',
  'KAFKA_JMX_OPTS',
  'KAFKA_JVM_PERFORMANCE_OPTS',
  'KAFKA_GC_LOG_OPTS',
  'KAFKA_LOG4J_ROOT_LOGLEVEL',
  'KAFKA_LOG4J_LOGGERS',
  'KAFKA_TOOLS_LOG4J_LOGLEVEL',
  'KAFKA_JMX_HOSTNAME',
  'KAFKA_JMX_PORT',
  'KAFKA_DEBUG',
  'KAFKA_HOME',
]);

const LOG4J_TO_PINO: Readonly<Record<string, string>> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  FATAL: 'fatal',
  OFF: 'silent',
};

/** The cluster id the image formats storage with when CLUSTER_ID is unset (docker/.../configureDefaults). */
export const DOCKER_DEFAULT_CLUSTER_ID = '5L6g3nShT-eMCtK--X86sw';

/** Result of {@link configFromEnv}. */
export interface EnvConfig {
  /** Broker configs named by the environment (values untrimmed, as written). */
  readonly props: Record<string, string>;
  /** CLUSTER_ID, if set (used to format the log directories). */
  readonly clusterId: string | undefined;
  /** KAFKA_* variables that were recognised as JVM or log4j settings and ignored. */
  readonly ignored: readonly string[];
  /** KAFKA_* variables whose name maps to no broker config (Kubernetes service links...), ignored. */
  readonly unknown: readonly string[];
}

/** Maps one environment variable name to a config name (null when it is not a broker config variable). */
export function envNameToConfigName(envName: string): string | null {
  if (!envName.startsWith('KAFKA_') || isIgnored(envName)) return null;
  return envName
    .slice('KAFKA_'.length)
    .toLowerCase()
    .replaceAll('_', '.')
    .replaceAll('...', '-')
    .replaceAll('..', '_');
}

function isIgnored(envName: string): boolean {
  return IGNORED.has(envName) || envName.startsWith('KAFKA_LOG4J_') || envName.endsWith('_OPTS');
}

/**
 * Listeners for KAFKA_ADVERTISED_LISTENERS when KAFKA_LISTENERS is unset: each advertised listener listens on
 * 0.0.0.0 at its advertised port (the image's `sed 's|://[^:]*:|://0.0.0.0:|g'`); the listeners of `base` (the
 * file's or the built-in `listeners`) that it does not name stay as they are.
 */
export function listenersFromAdvertised(advertised: string, base: string | undefined): string {
  const derived = advertised.replace(/:\/\/[^:]*:/g, '://0.0.0.0:');
  if (base === undefined || base.trim() === '') return derived;
  const nameOf = (l: string): string => l.split('://')[0]!.trim().toUpperCase();
  const derivedNames = new Set(derived.split(',').map(nameOf));
  const kept = base.split(',').filter((l) => l.trim() !== '' && !derivedNames.has(nameOf(l)));
  return [...derived.split(',').map((l) => l.trim()), ...kept.map((l) => l.trim())].join(',');
}

/**
 * Reads broker configs from the environment (e.g. `process.env`) the way the apache/kafka Docker image does.
 * `baseListeners` is the `listeners` the environment is layered over (see {@link listenersFromAdvertised}).
 * Throws {@link ConfigException} when KAFKA_ADVERTISED_LISTENERS is set on a controller-only node (the image's
 * rule). The result is not validated: pass `props` to `KafkaConfig.fromProps`.
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>, baseListeners?: string): EnvConfig {
  const props: Record<string, string> = {};
  const ignored: string[] = [];
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (value === undefined || !name.startsWith('KAFKA_')) continue;
    const key = envNameToConfigName(name);
    if (key === null) {
      ignored.push(name);
      continue;
    }
    // Names that are not configs but have a meaning (zookeeper.connect...) go on, to be refused with their reason.
    if (brokerConfigKey(key) === undefined && !NOT_CONFIGS.has(key)) {
      unknown.push(name);
      continue;
    }
    Object.defineProperty(props, key, { value, enumerable: true, writable: true, configurable: true });
  }
  // The image's log4j root level becomes our logger's level unless KAFKA_LOG_LEVEL sets log.level itself.
  const log4jLevel = env.KAFKA_LOG4J_ROOT_LOGLEVEL?.trim().toUpperCase();
  if (log4jLevel !== undefined && props['log.level'] === undefined && Object.hasOwn(LOG4J_TO_PINO, log4jLevel)) {
    props['log.level'] = LOG4J_TO_PINO[log4jLevel];
  }
  const roles = env.KAFKA_PROCESS_ROLES;
  const advertised = env.KAFKA_ADVERTISED_LISTENERS;
  if (roles !== undefined && roles.trim() === 'controller') {
    if (advertised !== undefined && advertised !== '') {
      throw new ConfigException('KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller.');
    }
    delete props['advertised.listeners'];
  } else if ((env.KAFKA_LISTENERS ?? '') === '' && advertised !== undefined && advertised !== '') {
    props.listeners = listenersFromAdvertised(advertised, baseListeners);
  }
  const clusterId = env.CLUSTER_ID;
  return { props, clusterId: clusterId === undefined || clusterId === '' ? undefined : clusterId, ignored, unknown };
}
