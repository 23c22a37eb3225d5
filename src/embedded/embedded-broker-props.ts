import { join } from 'node:path';

/** A Kafka config value as the embedded API takes it: written with String() (`true` → "true", 3 → "3"). */
export type ConfigValue = string | number | boolean;

/**
 * The broker properties of an embedded broker with its data under `dataDir`: one process that is the whole
 * cluster (broker and the only KRaft voter), a PLAINTEXT listener and a controller listener on free loopback ports
 * (port 0: the bound port is advertised), internal topics of one partition and replication factor 1, no initial
 * group rebalance delay (a test's consumer joins at once). `config` (any Kafka broker config, validated as the
 * broker validates a server.properties: unknown names and bad values stop the start) is applied last and wins.
 */
export function embeddedBrokerProps(dataDir: string, config: Readonly<Record<string, ConfigValue>> = {}): Record<string, string> {
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    // The voter's address is not dialled: a single voter elects itself (the port is a placeholder).
    'controller.quorum.voters': '1@127.0.0.1:9093',
    listeners: 'PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
    'advertised.listeners': 'PLAINTEXT://127.0.0.1:0',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': join(dataDir, 'logs'),
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '1',
    'group.initial.rebalance.delay.ms': '0',
  };
  for (const [name, value] of Object.entries(config)) props[name] = String(value);
  return props;
}
